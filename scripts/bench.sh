#!/usr/bin/env bash
# npm run bench [-- --runs N --latency 0,50 --compare-with DIR --baseline DIR --json]: installs what it needs (setup.sh,
# and GNU time for peak RSS), then runs scripts/bench.ts on Node 24. See scripts/bench.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

install_gnu_time() {
  [[ -x /usr/bin/time ]] && return
  printf 'bench: %s\n' "GNU time (Debian package time)" >&2
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends time >/dev/null
}

install_gnu_time
node24=$(ls .tools/node-24.*/bin/node | head -n 1)
exec "$node24" scripts/bench.ts "$@"
