#!/bin/bash
# Records what a real Riak KV 3.2 node prints for the riak / riak-admin commands that the shared
# transcript (../shared/reference/real-riak-3.2-transcript.txt) does not show, in the same format
# ($ command, output, [rc=N, time]). golden.test.ts compares riak-local with it.
#
#   tools/riak-local/golden/capture-real.sh [riak-package.tar.gz] > tools/riak-local/golden/real-riak-3.2-extra.txt
#
# Default package: ../shared/riak/*.tar.gz next to the checkout. Two nodes, riak@127.0.0.1 and
# riak2@127.0.0.1 (ring_size 16), on free ports with their own EPMD port; everything it starts is
# stopped and its files removed at the end. About three minutes.
set -u
repo=$(CDPATH= cd -- "$(dirname -- "$0")/../../.." && pwd)
pkg=${1:-$(ls "$repo"/../shared/riak/*.tar.gz 2>/dev/null | head -1)}
[ -f "$pkg" ] || { echo "no Riak package (give its path)" >&2; exit 1; }
work=$(mktemp -d)
read -r EP H1 P1 HO1 CM1 H2 P2 HO2 CM2 < <(node -e '
  const net = require("net");
  const ports = [];
  (async () => { for (let i = 0; i < 9; i++) ports.push(await new Promise((r) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => r(p)); });
  })); console.log(ports.join(" ")); })();')
export ERL_EPMD_PORT=$EP

setup() { # dir nodename http pb handoff cluster_mgr
  mkdir -p "$work/$1" && tar -xzf "$pkg" -C "$work/$1"
  local r="$work/$1/root/riak"
  sed -i -e "s/^nodename = .*/nodename = $2/" \
    -e "s/^listener.http.internal = .*/listener.http.internal = 127.0.0.1:$3/" \
    -e "s/^listener.protobuf.internal = .*/listener.protobuf.internal = 127.0.0.1:$4/" "$r/etc/riak.conf"
  printf 'handoff.port = %s\nmdc.cluster_manager = 127.0.0.1:%s\nring_size = 16\n' "$5" "$6" >> "$r/etc/riak.conf"
  sed -i -e "s/{cluster_mgr, {\"127.0.0.1\", [0-9]* } }/{cluster_mgr, {\"127.0.0.1\", $6 } }/" "$r/etc/advanced.config"
}

# run <riak1|riak2> [timeout-seconds] -- command...: prints it as the transcript does.
run() {
  local d=$1 limit=150
  shift
  if [ "$1" != "--" ]; then limit=$1; shift; fi
  shift
  echo "\$ (cd $d && $*)"
  local s; s=$(date +%s.%N)
  (cd "$work/$d/root/riak" && timeout "$limit" "$@" > "$work/out" 2>&1)
  local rc=$?
  # Paths of this machine are not recorded.
  sed -e "s#$work/$d/root/riak#.#g" "$work/out"
  [ -s "$work/out" ] && [ -n "$(tail -c1 "$work/out")" ] && echo
  printf '[rc=%s, %.1fs]\n\n' "$rc" "$(echo "$(date +%s.%N) - $s" | bc)"
}

setup riak1 riak@127.0.0.1 "$H1" "$P1" "$HO1" "$CM1"
setup riak2 riak2@127.0.0.1 "$H2" "$P2" "$HO2" "$CM2"

echo "# Real Riak KV 3.2 (${pkg##*/}), recorded by tools/riak-local/golden/capture-real.sh on $(date -u +%F)."
echo "# Two nodes on one host: riak@127.0.0.1 and riak2@127.0.0.1, ring_size 16."
echo
run riak1 -- bin/riak chkconfig
run riak1 -- bin/riak stop
run riak1 -- bin/riak admin services
run riak1 7 -- bin/riak admin wait-for-service riak_kv
run riak1 -- bin/riak daemon
run riak1 -- bin/riak start
run riak1 -- bin/riak admin services
run riak1 -- bin/riak admin wait-for-service riak_kv
run riak1 -- bin/riak admin transfers
run riak1 -- bin/riak admin cluster plan
run riak1 -- bin/riak admin cluster commit
run riak1 -- bin/riak admin cluster clear
run riak1 -- bin/riak admin cluster leave
run riak1 -- bin/riak admin cluster join
run riak1 -- bin/riak admin cluster join nosuch@127.0.0.1
run riak1 -- bin/riak admin cluster join riak@127.0.0.1
run riak1 -- bin/riak admin cluster force-remove riak2@127.0.0.1
run riak1 -- bin/riak admin cluster status
run riak1 -- bin/riak admin bucket-type list
run riak1 -- bin/riak admin bucket-type status nosuch
run riak1 -- bin/riak-admin frobnicate
run riak2 -- bin/riak daemon
run riak2 -- bin/riak admin wait-for-service riak_kv
run riak2 -- bin/riak admin cluster join riak@127.0.0.1
run riak2 -- bin/riak admin cluster join riak@127.0.0.1
run riak1 -- bin/riak admin cluster status
run riak1 -- bin/riak admin cluster commit
run riak1 -- bin/riak admin cluster plan
run riak1 -- bin/riak admin cluster commit
echo '# right after the commit'
run riak1 -- bin/riak admin member-status
run riak1 -- bin/riak admin transfers
run riak1 -- bin/riak admin ring-status
run riak1 -- bin/riak admin cluster status
run riak1 -- bin/riak admin cluster leave riak@127.0.0.1
run riak1 -- bin/riak admin cluster leave riak@127.0.0.1
run riak1 -- bin/riak admin cluster clear
run riak1 -- bin/riak admin aae-status
run riak2 -- bin/riak stop
run riak2 -- bin/riak stop
run riak2 7 -- bin/riak admin wait-for-service riak_kv
run riak1 -- bin/riak admin transfers
run riak1 -- bin/riak stop

for d in riak1 riak2; do
  (cd "$work/$d/root/riak" && bin/riak stop > /dev/null 2>&1)
done
"$(ls -d "$work"/riak1/root/riak/erts-*)/bin/epmd" -kill > /dev/null 2>&1
rm -rf "$work"
