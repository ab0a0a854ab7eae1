#!/usr/bin/env bash
# The default test suite with two CPU-bound processes beside it (issue 10: tests must not race wall
# time). Usage: scripts/suite-under-load.sh [pytest args...]; exits with pytest's status.
set -uo pipefail
cd "$(dirname "$0")/.."
hogs=()
for _ in 1 2; do
  timeout 3600 sh -c 'while :; do :; done' &
  hogs+=($!)
done
trap 'kill "${hogs[@]}" 2>/dev/null' EXIT
start=$(date +%s)
.venv/bin/python -m pytest "$@"
rc=$?
echo "suite-under-load: pytest exit $rc after $(( $(date +%s) - start )) s with 2 CPU hogs"
exit $rc
