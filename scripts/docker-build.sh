#!/usr/bin/env bash
# Builds the images of docker/<name>/Dockerfile (scheduler, director, erlpmd; default all) from
# the self-contained packages in dist/packages/, packaging them first (--no-package: use the
# packages already there). Tags riak-mesos-<name>:<version>.
# The engine: ENGINE=docker|podman, else Docker when its daemon answers, else podman (daemonless;
# scripts/setup.sh installs it). With podman, the base is BASE_IMAGE when set, else
# debian:bookworm-slim when present or pullable, else the same Debian base built here by
# scripts/image-base.sh (debootstrap, cached in .cache/images/) and imported as
# localhost/riak-mesos-base:bookworm-<key>. Podman builds in the Docker image format (which keeps
# HEALTHCHECK) with chroot isolation (RUN needs no container runtime or cgroups).
# usage: scripts/docker-build.sh [--no-package] [name...]
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[docker-build] %s\n' "$*"; }

package=1
names=()
for arg in "$@"; do
  case "$arg" in
    --no-package) package=0 ;;
    scheduler | director | erlpmd) names+=("$arg") ;;
    *) echo "usage: scripts/docker-build.sh [--no-package] [scheduler|director|erlpmd...]" >&2; exit 2 ;;
  esac
done
[ ${#names[@]} -gt 0 ] || names=(scheduler director erlpmd)
version=$(node -p "require('./package.json').version")

engine=${ENGINE:-}
if [ -z "$engine" ]; then
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then engine=docker
  elif command -v podman >/dev/null 2>&1; then engine=podman
  else
    echo "[docker-build] needs a Docker daemon or podman (scripts/setup.sh installs podman)" >&2
    exit 1
  fi
fi

if [ "$package" -eq 1 ]; then
  NX_DAEMON=false NX_TUI=false npx nx run-many -t package -p "${names[@]}"
fi
for name in "${names[@]}"; do
  tarball="dist/packages/riak-mesos-$name-$version.tar.gz"
  [ -f "$tarball" ] || { echo "[docker-build] no $tarball (run without --no-package)" >&2; exit 1; }
done

build_args=(--build-arg "VERSION=$version")
case "$engine" in
  docker)
    [ -z "${BASE_IMAGE:-}" ] || build_args+=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
    build=(docker build)
    ;;
  podman)
    base=${BASE_IMAGE:-}
    if [ -z "$base" ]; then
      if podman image exists docker.io/library/debian:bookworm-slim ||
        podman pull -q docker.io/library/debian:bookworm-slim >/dev/null 2>&1; then
        base=docker.io/library/debian:bookworm-slim
      else
        rootfs=$(bash scripts/image-base.sh)
        key=$(basename "$rootfs" .tar)
        base="localhost/riak-mesos-base:bookworm-${key##*-}"
        if ! podman image exists "$base"; then
          podman import -q --change 'CMD ["bash"]' "$rootfs" "$base" >/dev/null
        fi
        log "base: $base (debian:bookworm-slim is not reachable; Debian minbase from $rootfs)"
      fi
    fi
    build_args+=(--build-arg "BASE_IMAGE=$base")
    build=(podman build --format docker --isolation chroot)
    ;;
  *) echo "[docker-build] ENGINE must be docker or podman, not $engine" >&2; exit 2 ;;
esac

for name in "${names[@]}"; do
  "${build[@]}" -q -f "docker/$name/Dockerfile" "${build_args[@]}" -t "riak-mesos-$name:$version" . >/dev/null
  log "riak-mesos-$name:$version ($engine)"
done
