#!/usr/bin/env bash
# Sets up a machine for this repository; safe to run again and again.
# - Debian packages the project runs and tests against, installed only when missing:
#   zookeeper (with Java), erlang-base (Erlang nodes for the EPMD tests), haproxy (benchmark peer),
#   chromium (headless browser test of the scheduler's explorer page).
# - npm dependencies, installed with `npm ci` only when package-lock.json changed since the last run.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

missing=()
[ -x /usr/bin/java ] || [ -n "${JAVA_HOME:-}" ] || missing+=(default-jre-headless)
[ -f /usr/share/java/zookeeper.jar ] || missing+=(zookeeper)
command -v erl >/dev/null 2>&1 || missing+=(erlang-base)
command -v epmd >/dev/null 2>&1 || missing+=(erlang-base)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
[ -x /usr/bin/chromium ] || missing+=(chromium)

if [ ${#missing[@]} -gt 0 ]; then
  pkgs=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  log "installing Debian packages: ${pkgs}"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "[setup] need root (or sudo) to install: ${pkgs}" >&2; exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends ${pkgs} >/dev/null
else
  log "Debian packages present (zookeeper, java, erlang-base, haproxy, chromium)"
fi

stamp=node_modules/.setup-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  log "npm dependencies up to date"
else
  log "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
log "done"
