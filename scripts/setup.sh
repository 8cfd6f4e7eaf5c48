#!/usr/bin/env bash
# Sets up a machine for this repository; safe to run again and again.
# - Debian packages the project runs and tests against, installed only when missing:
#   zookeeper (with Java), erlang-base (Erlang nodes for the EPMD tests), haproxy (benchmark peer),
#   chromium and firefox-esr (headless browser tests of the scheduler's explorer page: Chromium
#   through playwright-core, stock Firefox through puppeteer-core over WebDriver BiDi), iproute2
#   (`ip`: local Mesos puts its agents' 127.0.0.x addresses on lo, which real Riak's cluster
#   manager needs), podman with runc (builds and runs the images without a daemon:
#   e2e/src/images.test.ts) and debootstrap (their Debian base where no registry is reachable:
#   scripts/image-base.sh).
# - npm dependencies, installed with `npm ci` only when package-lock.json changed since the last run.
# - a real Riak package in .cache/riak/ (root/riak/… tarball, its sha256 in <file>.sha256): from
#   RIAK_PACKAGE, else the copy already there, else ../shared/riak/*.tar.gz beside the checkout,
#   else built by scripts/build-riak.sh (needs GitHub and hex.pm). Without one, setup warns and
#   goes on: riak-local still works, and tests that need real Riak say how to get a package.
# - the pinned Node.js runtime the packages carry, in .cache/node-runtime/ (scripts/runtime.js).
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
[ -x /usr/bin/firefox-esr ] || missing+=(firefox-esr)
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || missing+=(iproute2)
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v runc >/dev/null 2>&1 || [ -x /usr/sbin/runc ] || missing+=(runc)
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)

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
  log "Debian packages present (zookeeper, java, erlang-base, haproxy, chromium, firefox-esr, iproute2, podman, runc, debootstrap)"
fi

stamp=node_modules/.setup-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  log "npm dependencies up to date"
elif [ -L node_modules ]; then
  # npm ci would empty the directory the link points to (another checkout's dependencies).
  log "WARNING: node_modules is a link ($(readlink node_modules)) and package-lock.json changed: not running npm ci here; install in the checkout it points to"
else
  log "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# The real Riak package. One `[setup]` line says where it came from.
riak_cache=.cache/riak
newest_tarball() { { ls -1 "$1"/*.tar.gz 2>/dev/null || true; } | sort -V | tail -n 1; }
short_sha() { cut -c1-12 "$1"; }
# Copies $1 into the cache (unless the copy there is the same file: size and time, kept by cp -p,
# and a sha256 record), records its sha256, and prints the cached path.
cache_riak() {
  local src=$1 dst="$riak_cache/$(basename "$1")"
  if [ -f "$dst" ] && [ -f "$dst.sha256" ] && [ "$(stat -c '%s %Y' "$src")" = "$(stat -c '%s %Y' "$dst")" ]; then
    echo "$dst"
    return
  fi
  cp -p "$src" "$dst.tmp"
  mv "$dst.tmp" "$dst"
  (cd "$riak_cache" && sha256sum "$(basename "$dst")" >"$(basename "$dst").sha256")
  echo "$dst"
}
provide_riak() {
  mkdir -p "$riak_cache"
  local pkg shared
  if [ -n "${RIAK_PACKAGE:-}" ]; then
    if [ ! -f "$RIAK_PACKAGE" ]; then
      log "WARNING: RIAK_PACKAGE=$RIAK_PACKAGE is not a file; no real Riak package provided"
      return
    fi
    pkg=$(cache_riak "$RIAK_PACKAGE")
    log "real Riak package: $pkg (from RIAK_PACKAGE, sha256 $(short_sha "$pkg.sha256")…)"
    return
  fi
  pkg=$(newest_tarball "$riak_cache")
  if [ -n "$pkg" ]; then
    [ -f "$pkg.sha256" ] || (cd "$riak_cache" && sha256sum "$(basename "$pkg")" >"$(basename "$pkg").sha256")
    log "real Riak package: $pkg (already in the cache, sha256 $(short_sha "$pkg.sha256")…)"
    return
  fi
  shared=$(newest_tarball ../shared/riak)
  if [ -n "$shared" ]; then
    pkg=$(cache_riak "$shared")
    log "real Riak package: $pkg (copied from ../shared/riak/, sha256 $(short_sha "$pkg.sha256")…)"
    return
  fi
  if [ -f "$riak_cache/build-riak.failed" ]; then
    log "WARNING: no real Riak package: scripts/build-riak.sh failed before ($(cat "$riak_cache/build-riak.failed")); remove $riak_cache/build-riak.failed to try again. riak-local still works; tests that need real Riak will fail until a package is provided"
    return
  fi
  log "building a real Riak package from source (scripts/build-riak.sh, needs GitHub and hex.pm; output in $riak_cache/build-riak.log)"
  if bash scripts/build-riak.sh "$riak_cache" >"$riak_cache/build-riak.log" 2>&1; then
    pkg=$(newest_tarball "$riak_cache")
    log "real Riak package: $pkg (built from source by scripts/build-riak.sh, sha256 $(short_sha "$pkg.sha256")…)"
  else
    { grep -h 'ERROR' "$riak_cache/build-riak.log" || true; } | tail -n 1 |
      sed 's/^\[build-riak\] ERROR: //' >"$riak_cache/build-riak.failed"
    [ -s "$riak_cache/build-riak.failed" ] || echo "see $riak_cache/build-riak.log" >"$riak_cache/build-riak.failed"
    log "WARNING: no real Riak package: scripts/build-riak.sh failed: $(cat "$riak_cache/build-riak.failed"). riak-local still works; tests that need real Riak will fail until a package is provided"
  fi
}
provide_riak

# The pinned Node.js runtime the self-contained packages carry (scripts/runtime.js: the cache,
# else the npm registry's official binary, else this machine's node when it is that binary).
if runtime=$(node scripts/runtime.js); then
  log "Node.js runtime for the packages: $runtime (pinned in scripts/runtime.json)"
else
  log "WARNING: no pinned Node.js runtime: the packages cannot be built (see above)"
fi

log "done"
