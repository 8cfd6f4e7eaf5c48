#!/usr/bin/env bash
# The one test command: set up what is missing, then every format check, lint, type check and test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
rm -rf tmp/test-results
echo "[test] prettier --check"
npx prettier --check . --log-level warn
echo "[test] nx run-many -t lint typecheck test"
status=0
# Everything runs for real: a cache kept outside the checkout (~/.nx) must not stand in for a
# build, a lint or a type check of this tree.
npx nx run-many -t lint typecheck test --parallel=3 --outputStyle=stream --skip-nx-cache || status=$?
nx_status=$status
node scripts/test-summary.js || status=$?
if [ "$nx_status" -ne 0 ]; then
  echo "[test] FAILED: an Nx task failed or did not run (lint, typecheck, build or package; see above)"
fi
exit $status
