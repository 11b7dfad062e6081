#!/usr/bin/env bash
# The local demo (npm run demo): installs what it needs, then runs scripts/demo.ts on Node 24.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node24=$(ls .tools/node-24.*/bin/node | head -n 1)
AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true exec "$node24" scripts/demo.ts
