#!/usr/bin/env bash
# npm run mutate: Stryker over src/core and src/oidc with the unit and fuzz suites
# (stryker.config.mjs), on the Node 24 that setup installs (Stryker needs Node 22 or later).
# Prints the score per file and writes reports/mutation/index.html. Arguments go to Stryker,
# e.g. npm run mutate -- --mutate src/core/trust/aws/compile.ts to look at one file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node24=$(ls -d .tools/node-24.*/bin | sort -V | tail -n 1)
# Every mutant runs the property tests again: a tenth of their usual runs each (same seed).
FUZZ_RUNS_DIVISOR=${FUZZ_RUNS_DIVISOR:-10} PATH="$PWD/$node24:$PATH" npx --no-install stryker run "$@"
