#!/usr/bin/env bash
# Runs claimcheck with the executor's Node.js; the launcher (CLAIMCHECK_LAUNCHER) fetches
# the bundle pinned to this orb's version, or takes it from its cache, and checks it on
# every run before running a private copy of it.
set -euo pipefail

if ! command -v node >/dev/null 2>&1; then
  echo "NODE_MISSING: claimcheck needs Node.js 20 or later, and this executor has no node command." >&2
  echo "Hint: Use a cimg/node image (for example cimg/node:24.11), or install Node.js 20+ in an earlier step (for example with the circleci/node orb's install command)." >&2
  exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "NODE_TOO_OLD: claimcheck needs Node.js 20 or later; this executor has $(node --version)." >&2
  echo "Hint: Use a cimg/node image (for example cimg/node:24.11), or install Node.js 20+ in an earlier step (for example with the circleci/node orb's install command)." >&2
  exit 1
fi

# The SDK warns on Node 20 that its 2027 releases will need Node 22; this version runs on 20.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
exec node --input-type=module --eval "$CLAIMCHECK_LAUNCHER"
