#!/usr/bin/env bash
# Packs this checkout as npm would publish it and serves the tarball on 127.0.0.1:8731 for
# the dev orb's launcher (CLAIMCHECK_BUNDLE_URL). Runs in the background for the whole job.
set -euo pipefail
dir=$(mktemp -d)
npm pack --silent --pack-destination "$dir" >/dev/null
mv "$dir"/claimcheck-*.tgz "$dir/claimcheck.tgz"
cd "$dir"
exec node -e '
const { createServer } = require("node:http");
const { readFileSync } = require("node:fs");
const body = readFileSync("claimcheck.tgz");
createServer((request, response) => {
  const found = request.url === "/claimcheck.tgz";
  response.writeHead(found ? 200 : 404, { "content-type": "application/octet-stream" });
  response.end(found && request.method !== "HEAD" ? body : undefined);
}).listen(8731, "127.0.0.1");
'
