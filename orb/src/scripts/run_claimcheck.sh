#!/usr/bin/env bash
# Runs claimcheck with the executor's Node.js; the launcher (CLAIMCHECK_LAUNCHER) fetches
# the bundle pinned to this orb's version, or takes it from its cache, and checks it on
# every run before running a private copy of it.
set -euo pipefail

# Node.js 22 is claimcheck's floor: Node 20 is past its end of life, and the AWS SDK's
# releases from January 2027 need 22.
hint="Hint: Use a cimg/node image (for example cimg/node:24.11), or install Node.js 22 or later in an earlier step (for example with the circleci/node orb's install command)."
if ! command -v node >/dev/null 2>&1; then
  echo "NODE_MISSING: claimcheck needs Node.js 22 or later, and this executor has no node command." >&2
  echo "$hint" >&2
  exit 1
fi
node_version=$(node -p 'process.versions.node')
if [ "${node_version%%.*}" -lt 22 ]; then
  echo "NODE_TOO_OLD: claimcheck needs Node.js 22 or later; this executor has v${node_version}." >&2
  echo "$hint" >&2
  exit 1
fi

exec node --input-type=module --eval "$CLAIMCHECK_LAUNCHER"
