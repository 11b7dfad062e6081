#!/usr/bin/env bash
# The test command (npm test, and CI through .ci/run): installs what the tests need, checks
# that dist/ is the build of src/, type-checks, then runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node scripts/build.mjs --check
npx --no-install tsc -p tsconfig.test.json
npx --no-install vitest run "$@"
