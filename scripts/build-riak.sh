#!/usr/bin/env bash
# Builds a real Riak KV package from source and puts it in .cache/riak/ (or the directory given as
# the first argument), the way the package in ../shared/riak/ was made:
#   - the OpenRiak community's `riak` repository (Basho's Riak, continued), branch nhse-develop,
#     pinned at commit c71317d6c0f7d687e762fe675f367a155a698979 (release 3.2.2p1-nhse);
#   - Debian's Erlang/OTP (25 on Debian 12, the combination known to work) and the rebar3 that
#     ships in the repository: `./rebar3 as rel release`;
#   - packaged with `riak-mesos package riak --from _build/rel/rel/riak` (root/riak/… in a
#     .tar.gz, without data/ and log/), with its sha256 in `<package>.sha256` beside it.
# It needs the network: GitHub (the source and its git dependencies) and hex.pm (rebar3's
# packages and plugins); it stops with a message saying so when either cannot be reached. It also
# installs the Debian build dependencies it lacks (as root or through sudo). A build takes a few
# minutes on 2 cores.
# NOT RUN where this script was written: that machine has no network, so the script has never
# completed a build there. The package this repository's tests ran against was built by hand the
# same way (see ../shared/riak/README.md beside the checkout when present).
#
# Usage: scripts/build-riak.sh [output directory]   (RIAK_BUILD_DIR: where to clone and build,
# default .cache/riak/build)
set -euo pipefail
cd "$(dirname "$0")/.."

REPO=https://github.com/OpenRiak/riak
BRANCH=nhse-develop
COMMIT=c71317d6c0f7d687e762fe675f367a155a698979
out_dir=${1:-.cache/riak}
work=${RIAK_BUILD_DIR:-.cache/riak/build}

log() { printf '[build-riak] %s\n' "$*"; }
die() {
  printf '[build-riak] ERROR: %s\n' "$*" >&2
  exit 1
}

offline_hint="build a package elsewhere (this script, or by hand) and give it to setup with RIAK_PACKAGE=<root/riak/… tarball>, or copy it into .cache/riak/"

# 1. The network this needs.
command -v git >/dev/null 2>&1 || die "git is not installed (apt-get install git)"
if ! timeout 20 git ls-remote --exit-code "$REPO" "refs/heads/$BRANCH" >/dev/null 2>&1; then
  die "cannot reach $REPO (branch $BRANCH): building Riak needs GitHub; $offline_hint"
fi
if ! timeout 10 bash -c 'exec 3<>/dev/tcp/repo.hex.pm/443' 2>/dev/null; then
  die "cannot reach repo.hex.pm:443: building Riak needs hex.pm for rebar3's packages; $offline_hint"
fi

# 2. Build dependencies (Debian): Erlang/OTP with its development parts, a C/C++ tool chain for
# the NIFs (eleveldb, its snappy, lz4, zstd, PAM authentication).
deps=(erlang-nox erlang-dev erlang-observer erlang-tools erlang-common-test erlang-dialyzer
  libpam0g-dev build-essential cmake liblz4-dev libzstd-dev)
missing=()
for p in "${deps[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    die "need root (or sudo) to install: ${missing[*]}"
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || die "apt-get update failed"
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    die "could not install ${missing[*]}"
fi
otp=$(erl -noshell -eval 'io:format("~s", [erlang:system_info(otp_release)]), halt().')
[ "$otp" = 25 ] || log "warning: Erlang/OTP $otp; this Riak is known to build and run on OTP 25"

# 3. The source at the pinned commit.
mkdir -p "$work"
src="$work/riak"
if [ ! -d "$src/.git" ]; then
  log "cloning $REPO ($BRANCH)"
  git clone --quiet --branch "$BRANCH" --single-branch "$REPO" "$src" ||
    die "git clone of $REPO failed"
fi
if ! git -C "$src" cat-file -e "$COMMIT^{commit}" 2>/dev/null; then
  git -C "$src" fetch --quiet origin "$BRANCH" || die "git fetch of $BRANCH failed"
fi
git -C "$src" checkout --quiet --detach "$COMMIT" || die "commit $COMMIT is not in $REPO"
[ "$(git -C "$src" rev-parse HEAD)" = "$COMMIT" ] || die "the checkout is not at $COMMIT"

# 4. The release.
log "building the release (./rebar3 as rel release; a few minutes)"
(cd "$src" && ./rebar3 as rel release) || die "the build failed (see the rebar3 output above)"
release="$src/_build/rel/rel/riak"
[ -x "$release/bin/riak" ] || die "the build made no $release/bin/riak"

# 5. The package, and its sha256 beside it.
vsn=$(awk '{print $2}' "$release/releases/start_erl.data")
distro=$(. /etc/os-release && printf '%s%s' "$ID" "${VERSION_ID:-}")
mkdir -p "$out_dir"
name="riak-kv-${vsn}-otp${otp}-${distro}.tar.gz"
npx tsx --tsconfig tsconfig.base.json apps/cli/src/main.ts package riak \
  --from "$release" --out "$out_dir/$name" ||
  die "packaging failed"
(cd "$out_dir" && sha256sum "$name" >"$name.sha256")
log "built $out_dir/$name ($(cut -d' ' -f1 "$out_dir/$name.sha256"))"
