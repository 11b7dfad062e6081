#!/usr/bin/env bash
# Before the orb X.Y.Z is published: wait (up to 30 minutes) until the npm registry serves
# claimcheck-X.Y.Z.tgz, which GitHub's release workflow publishes for the same tag, and
# check that its dist/circleci is byte for byte this commit's dist/circleci. The pack job
# proved that orb/orb.yml's digest is of exactly these files, so the published orb will run.
set -euo pipefail
version=$(jq -r .version package.json)
if [ "v${version}" != "${CIRCLE_TAG:-}" ]; then
  echo "Tag ${CIRCLE_TAG:-<none>} is not package.json's version ${version}." >&2
  exit 1
fi
url="https://registry.npmjs.org/claimcheck/-/claimcheck-${version}.tgz"
dir=$(mktemp -d)
for attempt in $(seq 1 60); do
  if curl -fsSL --retry 3 -o "$dir/claimcheck.tgz" "$url"; then break; fi
  if [ "$attempt" -eq 60 ]; then echo "npm has no ${url} after 30 minutes." >&2; exit 1; fi
  echo "Waiting for ${url} (${attempt}/60)"
  sleep 30
done
tar -xzf "$dir/claimcheck.tgz" -C "$dir"
diff -r "$dir/package/dist/circleci" dist/circleci
echo "npm's claimcheck ${version} carries this commit's dist/circleci."
