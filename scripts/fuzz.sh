#!/usr/bin/env bash
# npm run fuzz: the property tests (every test file that uses fast-check: test/fuzz and the
# properties beside unit tests) with a new random seed each run, where npm test
# always uses the same one. The seed is printed first and again at the end, to replay a
# failure: FUZZ_SEED=<seed> npm run fuzz. FUZZ_RUNS=<n> runs every property n times as often.
# Arguments go to vitest, e.g. npm run fuzz -- test/fuzz/matching.test.ts.
set -euo pipefail
cd "$(dirname "$0")/.."

seed=${FUZZ_SEED:-$(node -e 'console.log(require("node:crypto").randomInt(-2147483648, 2147483647))')}
runs=${FUZZ_RUNS:-1}
replay="FUZZ_SEED=$seed${FUZZ_RUNS:+ FUZZ_RUNS=$FUZZ_RUNS} npm run fuzz"
echo "fuzz: seed $seed, each property run ${runs}x its usual number of times (replay: $replay)"

mapfile -t properties < <(grep -rlE "from 'fast-check'" test --include='*.test.ts' | sort)
status=0
FUZZ_SEED=$seed FUZZ_RUNS=$runs npx --no-install vitest run "${@:-${properties[@]}}" || status=$?
if ((status != 0)); then echo "fuzz: failed with seed $seed; replay: $replay" >&2; fi
exit "$status"
