#!/usr/bin/env bash
# Installs npm dependencies exactly as locked, only when package-lock.json changed
# since the last install (npm's own cache in ~/.npm makes a cold install faster too).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ibk_use_node
cd "$IBK_ROOT"
want="$(node --version) $(sha256sum package-lock.json | cut -c1-16)"
if [ -f node_modules/.ibk-stamp ] && [ "$(cat node_modules/.ibk-stamp)" = "$want" ]; then exit 0; fi
ibk_log "installing npm dependencies (npm ci)"
npm ci --no-audit --no-fund --loglevel=error
printf '%s' "$want" > node_modules/.ibk-stamp
