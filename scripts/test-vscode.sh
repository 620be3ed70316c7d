#!/usr/bin/env bash
# The tests inside a real VS Code: installs (once) code-server, its Node 24 and Chromium with
# scripts/code-server.sh, builds the extension and the tests, then runs the mocha suite in the
# extension host with a trusted workspace and again with an untrusted one, and the UI check.
# Runs every step; exits non-zero if any failed, or if any process it started is left.
# INSTAR_VSCODE_VERBOSE=1 shows the workbench's and code-server's routine messages too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
started=$SECONDS

say "code-server, Node 24 and Chromium (scripts/code-server.sh)"
tools=$(scripts/code-server.sh) || exit 1
eval "$tools"
export NODE24 CODE_SERVER CHROMIUM
printf '%s\n' "$tools"

if [ ! -x node_modules/.bin/esbuild ]; then
  say "Installing Node packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
say "Building the extension and the VS Code tests"
node scripts/build.mjs
node scripts/build-vscode-tests.mjs

# Every process of this run carries this variable: what is left with it at the end leaked.
export INSTAR_VSCODE_RUN="$$-$RANDOM"
failed=()
step() {
  local name="$1"
  shift
  say "$name"
  local t0=$SECONDS
  if "$@"; then
    echo "    ($name: $((SECONDS - t0)) s)"
  else
    echo "    ($name: FAILED after $((SECONDS - t0)) s)"
    failed+=("$name")
  fi
}

step "Extension tests in VS Code, trusted workspace" node --enable-source-maps out/vscode/runner.js --trust trusted
step "Extension tests in VS Code, untrusted workspace" node --enable-source-maps out/vscode/runner.js --trust untrusted
step "UI check in headless Chromium" node --enable-source-maps out/vscode/ui/smoke.ui.js

say "Checking that no process of this run is left"
if ! node -e '
  const { readdirSync, readFileSync } = require("node:fs");
  const marker = `INSTAR_VSCODE_RUN=${process.env.INSTAR_VSCODE_RUN}\0`;
  const left = () => readdirSync("/proc").filter((pid) => /^\d+$/.test(pid) && +pid !== process.pid && +pid !== process.ppid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, "utf8").includes(marker) && !/^\S+ \S+ Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8").replace(/\(.*\)/, "c"));
    } catch { return false; }
  });
  const deadline = Date.now() + 5000;
  const check = () => {
    const pids = left();
    if (!pids.length) return;
    if (Date.now() < deadline) return void setTimeout(check, 100);
    for (const pid of pids) console.error(`left: ${pid} ${readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").slice(0, 200)}`);
    process.exitCode = 1;
  };
  check();
'; then
  failed+=("processes left")
fi

if [ "${#failed[@]}" -gt 0 ]; then
  say "VS Code tests FAILED after $((SECONDS - started)) s: ${failed[*]}"
  exit 1
fi
say "VS Code tests passed in $((SECONDS - started)) s"
