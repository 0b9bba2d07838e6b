#!/usr/bin/env bash
# Installs what trampolint needs on a Debian 12 machine that has only Node/npm:
# Deno (from the npm package `deno`, pinned) and the Debian packages listed in
# scripts/debian-packages.txt for the given purpose. Checks first and installs
# only what is missing; when not root, prints the exact command instead.
#
# usage: scripts/setup.sh review|test
set -euo pipefail
purpose=${1:-review}
here=$(cd "$(dirname "$0")/.." && pwd)
DENO_VERSION=2.9.6

say() { printf 'setup: %s\n' "$*" >&2; }

# --- Deno ---------------------------------------------------------------
have_deno() {
  command -v deno >/dev/null 2>&1 && deno --version 2>/dev/null | head -n1 | grep -q "deno $DENO_VERSION"
}
if ! have_deno; then
  if ! command -v npm >/dev/null 2>&1; then
    say "npm is missing: install Debian's nodejs and npm first (apt-get install -y nodejs npm)"
    exit 1
  fi
  if [ "$(id -u)" = 0 ]; then
    say "installing deno $DENO_VERSION from npm (npm install -g deno@$DENO_VERSION)"
    npm install -g --no-fund --no-audit "deno@$DENO_VERSION" >&2
  else
    say "installing deno $DENO_VERSION from npm into \$HOME/.local (npm install -g --prefix \$HOME/.local deno@$DENO_VERSION)"
    npm install -g --no-fund --no-audit --prefix "$HOME/.local" "deno@$DENO_VERSION" >&2
  fi
  hash -r
fi

# --- Debian packages ----------------------------------------------------
missing=()
while read -r pkg purposes; do
  case "$pkg" in ''|'#'*) continue ;; esac
  case " $purposes " in *" $purpose "*) ;; *) continue ;; esac
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done < "${TRAMPOLINT_PACKAGES:-$here/scripts/debian-packages.txt}"

if [ ${#missing[@]} -gt 0 ]; then
  cmd="apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    $cmd -qq >&2
  else
    say "missing Debian packages for '$purpose': ${missing[*]}"
    say "run as root:  apt-get update && $cmd"
    exit 1
  fi
fi
