#!/usr/bin/env bash
# Sharding through twemproxy (docs/scaling.md): scripts/shards starts three
# aeternus-server shards and the proxy; 3,000 keys written through the
# proxy must each come back through it, each shard must hold part of them,
# and the shards' keys together must be exactly those written. Then one
# shard is stopped: its keys fail through the proxy, the others' still work.
#
#   sharding_test.sh SERVER_BINARY
set -euo pipefail
server=$(realpath "$1")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
command -v redis-cli >/dev/null && command -v nutcracker >/dev/null ||
  { echo "SKIP: redis-cli or nutcracker missing (scripts/setup installs them)"; exit 77; }

dir=$(mktemp -d)
cleanup() { "$root/scripts/shards" stop --dir "$dir" || true; rm -rf "$dir"; }
trap cleanup EXIT

# Fixed ports, below the ephemeral range (from 32768) that clients and
# `--port 0` servers take theirs from; a base from the pid, so that parallel
# runs do not collide, and another base should a port still be taken.
started=0
for attempt in 0 1 2 3 4; do
  base=$((12000 + (($$ + attempt * 97) % 1000) * 20))
  if "$root/scripts/shards" start --base-port "$base" --dir "$dir" --server "$server"; then
    started=1
    break
  fi
  echo "shards did not start on base port $base; trying another"
done
[[ $started -eq 1 ]] || { echo "FAIL: the shards did not start"; exit 1; }
proxy=(redis-cli -p "$base")
fail() { echo "FAIL: $*"; exit 1; }

keys=3000
for ((i = 0; i < keys; i++)); do
  printf 'SET key:%d value:%d\n' "$i" "$i"
done | "${proxy[@]}" >"$dir/set.out"
[[ $(grep -c '^OK$' "$dir/set.out") -eq $keys ]] || fail "not every SET through the proxy answered OK"

for ((i = 0; i < keys; i++)); do
  printf 'GET key:%d\n' "$i"
done | "${proxy[@]}" >"$dir/get.out"
for ((i = 0; i < keys; i++)); do printf 'value:%d\n' "$i"; done >"$dir/get.want"
cmp -s "$dir/get.out" "$dir/get.want" || fail "a key read through the proxy differs from what was written"

total=0
: >"$dir/all.keys"
for shard in 0 1 2; do
  port=$((base + 10 + shard))
  redis-cli -p "$port" --scan --pattern 'key:*' >"$dir/shard$shard.keys"
  n=$(wc -l <"$dir/shard$shard.keys")
  echo "shard $((shard + 1)) (port $port): $n keys"
  [[ $n -gt $((keys / 10)) ]] || fail "shard $((shard + 1)) holds $n of $keys keys"
  total=$((total + n))
  cat "$dir/shard$shard.keys" >>"$dir/all.keys"
done
[[ $total -eq $keys ]] || fail "the shards hold $total keys, $keys were written"
[[ $(sort -u "$dir/all.keys" | wc -l) -eq $keys ]] || fail "a key is on two shards"

# Shard 3 down: its keys fail through the proxy, the others still answer.
kill -TERM "$(cat "$dir/shard3.pid")"
rm -f "$dir/shard3.pid"
sleep 0.5
on3=$(head -1 "$dir/shard2.keys")
on1=$(head -1 "$dir/shard0.keys")
[[ $("${proxy[@]}" get "$on1") == "value:${on1#key:}" ]] || fail "a key of a live shard is lost while another is down"
reply=$("${proxy[@]}" get "$on3" 2>&1 || true)
[[ $reply != "value:${on3#key:}" ]] || fail "a key of the stopped shard was still served"
echo "through the proxy: $keys keys written and read back; with a shard down its keys fail ($reply), the others answer"
echo "PASS"
