#!/usr/bin/env bash
# The load test on loopback: the portal as in production (gunicorn, production settings with a
# throwaway SECRET_KEY, DEBUG off, PostgreSQL with the demo data), then .ci/loadtest.py with
# LOAD_CLIENTS clients for LOAD_SECONDS seconds. Not part of CI (it measures this machine).
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/stack.sh
PORT="${LOAD_PORT:-8766}"
stack_up "${LOAD_DB:-covenant_load}" "$PORT" "${LOAD_REDIS_DB:-6}" "${LOAD_WORKERS:-4}"
trap stack_down EXIT
.venv/bin/python .ci/loadtest.py --url "http://127.0.0.1:$PORT" --token "$API_TOKEN" \
  --password covenant-demo --clients "${LOAD_CLIENTS:-50}" --duration "${LOAD_SECONDS:-60}"
