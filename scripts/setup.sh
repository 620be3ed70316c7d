#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine: tmux (with apt-get when root, or
# sudo), Node packages from package-lock.json (including the pinned Claude Code, Codex and Gemini CLIs), then
# builds. Sourced by scripts/test and scripts/launch; safe to run again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

apt_install() {
  local runner=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then runner=(sudo); else
      echo "Missing $*: install it with your package manager (for example: sudo apt-get install $*)." >&2
      exit 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing $*, and there is no apt-get here: install it with your package manager." >&2
    exit 1
  fi
  say "Installing $* with apt-get"
  "${runner[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${runner[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

need_commands() {
  local missing=()
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
}

need_commands tmux:tmux curl:curl

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "Node.js 20 or newer with npm is needed: https://nodejs.org/" >&2
  exit 1
fi

if [ ! -x node_modules/.bin/claude ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "Installing Node packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

say "Type-checking and building"
npx --no-install tsc -p .
node scripts/build.mjs
