# Sourced by the CI scripts that need the portal running as in production: a scratch PostgreSQL
# database with the demo data, gunicorn with the production settings (DEBUG off, a throwaway
# SECRET_KEY, HTTP on loopback) and a superuser's API token in $API_TOKEN.
#   stack_up NAME PORT REDIS_DB [WORKERS]   then   stack_down
# The caller must `cd` to the repository first.

PG_SERVER="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}"

tools_venv() {
  mkdir -p var
  if [ ! -x var/ci-tools/bin/schemathesis ] || [ .ci/tools.txt -nt var/ci-tools/.installed ]; then
    python3 -m venv var/ci-tools
    var/ci-tools/bin/pip install --quiet -r .ci/tools.txt >var/ci-tools.log 2>&1 || {
      cat var/ci-tools.log >&2
      return 1
    }
    touch var/ci-tools/.installed
  fi
}

stack_up() {
  local name="$1" port="$2" redis_db="$3" workers="${4:-2}"
  mkdir -p var/ci
  STACK_LOG="var/ci/$name-gunicorn.log"
  STACK_PID="var/ci/$name-gunicorn.pid"
  psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null
  psql "$PG_SERVER/postgres" -qc "CREATE DATABASE $name" >/dev/null
  export DJANGO_SETTINGS_MODULE=config.settings.production
  export SECRET_KEY="$(openssl rand -hex 32)" ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=false
  export DATABASE_URL="$PG_SERVER/$name" REDIS_URL="redis://127.0.0.1:6379/$redis_db"
  export LOG_LEVEL=WARNING
  .venv/bin/python manage.py migrate --noinput -v0
  # Every page needs its static files collected (hashed names), the error pages included.
  .venv/bin/python manage.py collectstatic --noinput -v0
  .venv/bin/python manage.py seed_demo --once
  API_TOKEN="$(.venv/bin/python manage.py shell -v0 -c '
from django.contrib.auth import get_user_model
from apps.core.tokens import token_issue
print(token_issue(user=get_user_model().objects.get(username="admin")).key)
')"
  export API_TOKEN
  : >"$STACK_LOG"
  .venv/bin/gunicorn config.wsgi --bind "127.0.0.1:$port" --workers "$workers" --threads 4 \
    --timeout 60 --error-logfile "$STACK_LOG" --capture-output --pid "$STACK_PID" --daemon
  for _ in $(seq 50); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/api/schema/" -H "Authorization: Token $API_TOKEN" && return 0
    sleep 0.2
  done
  echo "gunicorn did not answer on 127.0.0.1:$port" >&2
  cat "$STACK_LOG" >&2
  return 1
}

stack_down() {
  if [ -f "$STACK_PID" ]; then
    kill "$(cat "$STACK_PID")" 2>/dev/null || true
    for _ in $(seq 50); do [ -f "$STACK_PID" ] || break; sleep 0.2; done
  fi
}
