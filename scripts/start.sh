#!/usr/bin/env bash
# Sets up what is missing, builds the system and runs it on this machine:
# ZooKeeper, local Mesos (3 agents), the scheduler, a 3-node Riak cluster and the director.
# Arguments go to `riak-mesos local up` (see `node dist/apps/cli/main.js local up --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "[start] building the services and packages"
npx nx run-many -t build package --parallel=2 --output-style=static --skip-nx-cache >/dev/null
exec node dist/apps/cli/main.js local up "$@"
