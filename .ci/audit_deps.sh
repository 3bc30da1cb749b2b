#!/usr/bin/env bash
# Dependency audit: pip-audit checks every package installed in .venv (the exact versions) against
# the Python Packaging Advisory Database, and fails on any known vulnerability. Where the
# vulnerability service cannot be reached, it says so loudly and does not fail the build (an
# audit that could not run is no finding); packages it could not look up are listed.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/stack.sh
tools_venv
mkdir -p var/ci
.venv/bin/pip freeze --exclude-editable --disable-pip-version-check | grep -v '^#' >var/ci/installed.txt
status=0
rm -f var/ci/audit.json
var/ci-tools/bin/pip-audit --requirement var/ci/installed.txt --no-deps --disable-pip \
  --progress-spinner off --format json --output var/ci/audit.json || status=$?
var/ci-tools/bin/python - "$status" <<'PY'
import json, sys

status = int(sys.argv[1])
try:
    report = json.load(open("var/ci/audit.json"))
except (OSError, ValueError):
    print(f"WARNING: pip-audit wrote no report (exit {status}): NO AUDIT WAS DONE")
    sys.exit(0)
deps = report["dependencies"]
skipped = [d for d in deps if "skip_reason" in d]
vulnerable = [d for d in deps if d.get("vulns")]
for d in vulnerable:
    for v in d["vulns"]:
        fixed = ", ".join(v.get("fix_versions") or []) or "no fix yet"
        print(f"VULNERABLE {d['name']} {d['version']}: {v['id']} (fixed in {fixed})")
audited = len(deps) - len(skipped)
print(f"pip-audit: {audited} of {len(deps)} packages audited, {len(vulnerable)} vulnerable")
if skipped and not audited:
    print("WARNING: the vulnerability service could not be reached or knows none of the packages:"
          " NO AUDIT WAS DONE (" + skipped[0]["skip_reason"] + ")")
elif skipped:
    print("not audited: " + ", ".join(d["name"] for d in skipped))
sys.exit(1 if vulnerable else (0 if status in (0, 1) else status))
PY
