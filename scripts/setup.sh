#!/usr/bin/env bash
# Installs what the demo and the tests need, pinned, on a fresh machine: the npm packages
# (npm ci), Node 24, Node 22 (the floor of the orb and CLI) and Node 20 runtimes from the npm
# registry (node-linux-<arch> packages)
# under .tools/, and Debian's awscli, python3-boto3 and azure-cli (the real clients the e2e
# suite runs against claimcheck's exports). Each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_RUNTIMES=(24.21.0 22.23.5 20.20.2)

say() { printf 'setup: %s\n' "$*" >&2; }

install_packages() {
  local stamp=node_modules/.claimcheck-lock
  local want
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then return; fi
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
}

install_node_runtime() {
  local version=$1 arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) say "no Node runtime package for $(uname -m)"; return 1 ;;
  esac
  local dir=.tools/node-$version
  [[ -x $dir/bin/node ]] && return
  say "Node $version (npm package node-linux-$arch@$version)"
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-$arch@$version" >/dev/null)
  mkdir -p "$dir/bin"
  tar -xzf "$tmp"/node-linux-"$arch"-"$version".tgz -C "$dir/bin" --strip-components=2 package/bin/node
  rm -rf "$tmp"
  "$dir/bin/node" --version >/dev/null
}

debian_install() {
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  if [[ -z ${APT_UPDATED:-} ]]; then
    "${sudo[@]}" apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

install_awscli() {
  [[ -x /usr/bin/aws ]] && return
  say "awscli (Debian)"
  debian_install awscli
}

# The Azure CLI the suite signs in from claimcheck's token file (az login --federated-token @file).
install_azure_cli() {
  [[ -x /usr/bin/az ]] && return
  say "azure-cli (Debian)"
  debian_install azure-cli
}

# boto3 for /usr/bin/python3, the interpreter the tests run it with (not a pyenv or venv one).
install_boto3() {
  /usr/bin/python3 -c 'import boto3' 2>/dev/null && return
  say "python3-boto3 (Debian)"
  debian_install python3-boto3
}

install_packages
for version in "${NODE_RUNTIMES[@]}"; do install_node_runtime "$version"; done
install_awscli
install_boto3
install_azure_cli
