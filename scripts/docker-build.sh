#!/usr/bin/env bash
# Builds the images of docker/<name>/Dockerfile (scheduler, director, erlpmd; default all) from
# the self-contained packages in dist/packages/, packaging them first. Needs a Docker daemon; not
# part of CI. Tags riak-mesos-<name>:<version>.
# usage: scripts/docker-build.sh [name...]
set -euo pipefail
cd "$(dirname "$0")/.."
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(scheduler director erlpmd)
version=$(node -p "require('./package.json').version")
NX_DAEMON=false NX_TUI=false npx nx run-many -t package -p "${names[@]}"
for name in "${names[@]}"; do
  docker build -f "docker/$name/Dockerfile" --build-arg "VERSION=$version" \
    -t "riak-mesos-$name:$version" .
  echo "[docker-build] riak-mesos-$name:$version"
done
