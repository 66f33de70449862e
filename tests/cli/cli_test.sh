#!/usr/bin/env bash
# End-to-end tests of the `aeternus` command-line tool (docs/cli.md): runs
# the real binary on real directories and checks its output, its exit
# statuses, that dump | load reproduces binary keys and values byte for
# byte, that read-only commands change no file, and that `check` finds a
# damaged table.
#
# Usage: cli_test.sh AETERNUS_BINARY WORK_DIR   (WORK_DIR is cleared first)
# Registered in CTest as cli.end_to_end (label `cli`).
set -uo pipefail

if (($# != 2)); then
  echo "usage: $0 AETERNUS_BINARY WORK_DIR" >&2
  exit 2
fi
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
export LC_ALL=C

failures=0
checks=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# run STATUS ARGS...: runs the tool with stdout in $work/out (and $out) and
# stderr in $work/err (and $err); fails unless it exits with STATUS.
run() {
  local want=$1
  shift
  "$bin" "$@" >"$work/out" 2>"$work/err"
  status=$?
  out=$(cat "$work/out")
  err=$(cat "$work/err")
  checks=$((checks + 1))
  if ((status != want)); then
    fail "aeternus $*: exit status $status, expected $want; stderr: $err"
  fi
}

# expect_out TEXT: the last run's stdout, less its final newlines, is TEXT.
expect_out() {
  checks=$((checks + 1))
  if [[ $out != "$1" ]]; then
    fail "expected stdout:"$'\n'"$1"$'\n'"got:"$'\n'"$out"
  fi
}

# expect_in STREAM TEXT: the last run's stdout or stderr contains TEXT.
expect_in() {
  local stream=$1 text=$2 got
  if [[ $stream == out ]]; then got=$out; else got=$err; fi
  checks=$((checks + 1))
  if [[ $got != *"$text"* ]]; then
    fail "expected std$stream to contain '$text'; got:"$'\n'"$got"
  fi
}

# same_files A B: byte-identical files.
same_files() {
  checks=$((checks + 1))
  if ! cmp -s "$1" "$2"; then
    fail "$1 and $2 differ:"$'\n'"$(diff <(od -c "$1") <(od -c "$2") | head -20)"
  fi
}

# snapshot DIR: names, sizes and checksums of every file in DIR.
snapshot() {
  (
    cd "$1" || exit 1
    find . -type f -printf '%P %s\n' | sort
    find . -type f -print0 | sort -z | xargs -0 sha256sum
  )
}

# flip_byte FILE OFFSET: inverts every bit of one byte in place.
flip_byte() {
  local byte
  byte=$(od -An -tu1 -j"$2" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $((byte ^ 0xff)))" |
    dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# ---- Usage errors, --help

run 2
expect_in err "aeternus: "
run 2 --db "$work/x" frobnicate
expect_in err "aeternus: unknown command: frobnicate"
run 2 --db "$work/x" put onlykey
expect_in err "VALUE is required"
run 2 --db "$work/x" get
expect_in err "KEY is required"
run 2 --db "$work/x" delete-range a
run 2 --db "$work/x" put a b c
run 2 get a
expect_in err "--db DIR is required"
run 2 --db "$work/x" scan --limit=-3
run 2 --db "$work/x" put 'bad\q' v
expect_in err "bad escape"
run 2 --db "$work/x" --hex put abc 00
expect_in err "odd number of hex digits"
run 2 --db "$work/x" --hex put zz 00
run 2 --db "$work/nodb" get a
expect_in err "does not exist"
[[ ! -e $work/nodb ]] || fail "a read-only command created $work/nodb"
run 0 --help
expect_in out "Exit status:"
expect_in out "dump-wal"
for command in put get delete delete-range scan count load dump flush compact stats check \
  dump-table dump-wal; do
  run 0 "$command" --help
  expect_in out "Exit status: 0 success, 1 not found, 2 usage error, 3 corruption"
done
run 0 --version

# ---- put, get, delete, delete-range, scan, count

db=$work/db
for kv in a:1 b:2 c:3 d:4 e:5; do
  run 0 --db "$db" put "${kv%%:*}" "${kv#*:}"
done
run 0 --db "$db" get c
expect_out 3
run 0 get c --db "$db" # global options may follow the command
expect_out 3
run 1 --db "$db" get zz
expect_in err "aeternus: not found: zz"
run 0 --db "$db" scan
expect_out $'a\t1\nb\t2\nc\t3\nd\t4\ne\t5'
run 0 --db "$db" scan --from b --to d
expect_out $'b\t2\nc\t3'
run 0 --db "$db" scan --reverse
expect_out $'e\t5\nd\t4\nc\t3\nb\t2\na\t1'
run 0 --db "$db" scan --reverse --from b --to e --limit 2
expect_out $'d\t4\nc\t3'
run 0 --db "$db" scan --keys-only --limit 2
expect_out $'a\nb'
run 0 --db "$db" scan --from x
expect_out ""
run 0 --db "$db" count
expect_out 5
run 0 --db "$db" count --from b --to e
expect_out 3
run 0 --db "$db" delete c
run 1 --db "$db" get c
run 0 --db "$db" delete never-there
run 0 --db "$db" count
expect_out 4
run 0 --db "$db" delete-range b d
run 0 --db "$db" scan --keys-only
expect_out $'a\nd\ne'
run 2 --db "$db" delete-range d b
expect_in err "BEGIN must sort before END"
run 2 --db "$db" put '' v
expect_in err "empty key"
run 0 --db "$db" put -- -dash 'value with spaces'
run 0 --db "$db" get -- -dash
expect_out "value with spaces"
run 0 --db "$db" put empty ''
run 0 --db "$db" get empty
expect_out ""
run 0 --db "$db" flush
run 0 --db "$db" compact --from a --to d
run 0 --db "$db" compact
run 2 --db "$db" compact --from z --to a
run 0 --db "$db" stats
expect_in out "aeternus.num-files-at-level6: "
expect_in out "aeternus.total-table-bytes: "
expect_in out "aeternus.pending-compaction-bytes: "
expect_in out "aeternus.estimate-num-keys: "
run 0 --db "$db" scan
expect_out $'-dash\tvalue with spaces\na\t1\nd\t4\ne\t5\nempty\t'

# ---- Escapes and --hex

esc=$work/esc
run 0 --db "$esc" put 'A\x00\xFFz\\' 'v\x09\x0a'
run 0 --db "$esc" --hex get 4100ff7a5c
expect_out 76090a
run 0 --db "$esc" get 'A\x00\xffz\\'
expect_out 'v\x09\x0a'
run 0 --db "$esc" --hex put 0001 FF
run 0 --db "$esc" --hex scan
expect_out $'0001\tff\n4100ff7a5c\t76090a'
run 0 --db "$esc" scan --keys-only
expect_out $'\\x00\\x01\nA\\x00\\xffz\\\\'

# ---- load and dump: binary keys and values round-trip byte for byte

bdb=$work/binary
run 0 --db "$bdb" --hex put 00 7a65726f         # NUL -> "zero"
run 0 --db "$bdb" --hex put 09 0a               # TAB -> newline
run 0 --db "$bdb" --hex put 5c 5c78             # backslash -> backslash x
run 0 --db "$bdb" --hex put 6b0d0a 00ff09       # k CR LF -> NUL 0xff TAB
run 0 --db "$bdb" --hex put ff ''               # 0xff -> empty
run 0 --db "$bdb" put $'tab\there' $'line1\nline2' # raw bytes in arguments
printf '%s\t%s\n' \
  '\x00' zero \
  '\x09' '\x0a' \
  '\\' '\\x' \
  'k\x0d\x0a' '\x00\xff\x09' \
  'tab\x09here' 'line1\x0aline2' \
  '\xff' '' >"$work/expected.tsv"
"$bin" --db "$bdb" dump >"$work/dump1.tsv" 2>"$work/err" || fail "dump: $(cat "$work/err")"
same_files "$work/expected.tsv" "$work/dump1.tsv"

run 0 --db "$work/copy-tsv" load "$work/dump1.tsv"
expect_in err "loaded 6 pairs in "
"$bin" --db "$work/copy-tsv" dump >"$work/dump2.tsv" 2>/dev/null || fail "dump of copy-tsv"
same_files "$work/dump1.tsv" "$work/dump2.tsv"
run 0 --db "$work/copy-tsv" --hex get 6b0d0a
expect_out 00ff09
run 0 --db "$work/copy-tsv" --hex get 00
expect_out 7a65726f

"$bin" --db "$bdb" dump --json >"$work/dump1.jsonl" 2>/dev/null || fail "dump --json"
grep -qxF '{"key": "\\\\", "value": "\\\\x"}' "$work/dump1.jsonl" ||
  fail "dump --json: no line for the backslash key in:"$'\n'"$(cat "$work/dump1.jsonl")"
run 0 --db "$work/copy-json" load "$work/dump1.jsonl" # format detected
"$bin" --db "$work/copy-json" dump --json >"$work/dump2.jsonl" 2>/dev/null || fail "dump --json"
same_files "$work/dump1.jsonl" "$work/dump2.jsonl"
"$bin" --db "$work/copy-json" dump >"$work/dump3.tsv" 2>/dev/null || fail "dump"
same_files "$work/dump1.tsv" "$work/dump3.tsv"

"$bin" --db "$bdb" --hex dump >"$work/dump1.hex" 2>/dev/null || fail "--hex dump"
run 0 --db "$work/copy-hex" --hex load --format tsv "$work/dump1.hex"
"$bin" --db "$work/copy-hex" dump >"$work/dump4.tsv" 2>/dev/null || fail "dump"
same_files "$work/dump1.tsv" "$work/dump4.tsv"

"$bin" --db "$work/copy-stdin" load - <"$work/dump1.jsonl" >/dev/null 2>&1 ||
  fail "load - from standard input"
"$bin" --db "$work/copy-stdin" dump >"$work/dump5.tsv" 2>/dev/null || fail "dump"
same_files "$work/dump1.tsv" "$work/dump5.tsv"

# JSON lines written by hand: UTF-8 text and \u escapes are taken as bytes.
printf '%s\n' '{"key": "caf\u00e9", "value": "nul\u0000"}' '{"value": "x", "key": "b\\x41"}' \
  >"$work/hand.jsonl"
run 0 --db "$work/hand" load --json "$work/hand.jsonl"
run 0 --db "$work/hand" --hex scan
expect_out $'6241\t78\n636166c3a9\t6e756c00'

# Bad input: loading stops at the bad line, the pairs before it are in.
printf 'k1\tv1\nk2 no tab\nk3\tv3\n' >"$work/bad.tsv"
run 2 --db "$work/bad" load "$work/bad.tsv"
expect_in err "line 2 of $work/bad.tsv: expected KEY<TAB>VALUE"
run 0 --db "$work/bad" count
expect_out 1
printf 'k1\tv\\x4\n' >"$work/bad2.tsv"
run 2 --db "$work/bad" load "$work/bad2.tsv"
expect_in err "bad escape"
printf '{"key": "a", "value": 3}\n' >"$work/bad.jsonl"
run 2 --db "$work/bad" load "$work/bad.jsonl"
expect_in err 'expected a string member "value"'
printf '{"key": "a", \n' >"$work/bad2.jsonl"
run 2 --db "$work/bad" load "$work/bad2.jsonl"
expect_in err "not valid JSON"
run 4 --db "$work/bad" load "$work/no-such-file"

# A larger load, in batches, then a major compaction into one table.
big=$work/big
for ((i = 0; i < 3000; i++)); do
  printf 'key%05d\tvalue-%05d-%s\n' "$i" "$i" "abcdefghijklmnopqrstuvwxyz0123456789"
done >"$work/big.tsv"
run 0 --db "$big" load --batch 700 "$work/big.tsv"
expect_in err "loaded 3000 pairs in "
run 0 --db "$big" count
expect_out 3000
run 0 --db "$big" compact
run 0 --db "$big" put unflushed-key unflushed-value # stays in the WAL

# ---- Read-only commands change nothing in the directory

snapshot "$big" >"$work/before"
run 0 --db "$big" get key01234
expect_out "value-01234-abcdefghijklmnopqrstuvwxyz0123456789"
run 0 --db "$big" get unflushed-key
expect_out unflushed-value
run 1 --db "$big" get missing
run 0 --db "$big" scan --from key02990
run 0 --db "$big" scan --reverse --limit 3
run 0 --db "$big" count
expect_out 3001
run 0 --db "$big" dump
run 0 --db "$big" dump --json
run 0 --db "$big" stats
run 0 --db "$big" check
tables=("$big"/*.sst)
wals=("$big"/*.log)
manifests=("$big"/MANIFEST-*)
run 0 dump-table "${tables[0]}"
run 0 dump-wal "${wals[0]}"
run 0 dump-wal "${manifests[0]}"
snapshot "$big" >"$work/after"
same_files "$work/before" "$work/after"

# ---- check, dump-table, dump-wal

run 0 --db "$big" check
expect_in out "ok       $(basename "${tables[0]}"): 3000 entries"
expect_in out "no damage found"
run 0 dump-table "${tables[0]}"
expect_in out "format_version: 1"
expect_in out "num_entries: 3000"
expect_in out "index:"
expect_in out 'put seq=' # entries decoded
expect_in out 'key="key01234" value="value-01234-'
run 0 dump-wal "${wals[0]}"
expect_in out "kind 1 (WAL), format version 2"
expect_in out "sequence marker"
expect_in out 'put seq=3001 key="unflushed-key" value="unflushed-value"'
run 0 dump-wal "${manifests[0]}"
expect_in out "new_file: level"
run 0 --hex dump-table "${tables[0]}"
expect_in out 'key="6b65793031323334"' # key01234

# Range tombstones show in dump-table.
run 0 --db "$db" delete-range a e
run 0 --db "$db" flush
dumped=""
for t in "$db"/*.sst; do dumped+=$("$bin" dump-table "$t"); done
checks=$((checks + 1))
[[ $dumped == *'range-delete seq='*' begin="a" end="e"'* ]] ||
  fail "no range tombstone in dump-table of $db"

# A damaged table: found by check (which names it), dump-table and reads.
damaged_table=${tables[0]}
flip_byte "$damaged_table" $(($(stat -c %s "$damaged_table") / 2))
run 3 --db "$big" check
expect_in out "DAMAGED  $(basename "$damaged_table"): Corruption: "
expect_in out "checksum mismatch"
expect_in err "aeternus: damage found in $big (1 problem)"
run 3 dump-table "$damaged_table"
expect_in err "Corruption"
run 3 --db "$big" count
run 3 --db "$big" dump

# A damaged WAL (closed cleanly, so the damage is in synced data).
run 0 --db "$work/wal" load "$work/big.tsv"
wal_files=("$work/wal"/*.log)
flip_byte "${wal_files[0]}" $(($(stat -c %s "${wal_files[0]}") / 2))
run 3 --db "$work/wal" check
expect_in out "DAMAGED  $(basename "${wal_files[0]}"): Corruption: "
run 3 dump-wal "${wal_files[0]}"

# Files that are not tables or logs at all: reported, never a crash.
head -c 20 "$work/big.tsv" >"$work/short.sst"
run 3 dump-table "$work/short.sst"
expect_in err "too short to be a table"
head -c 5000 "$work/big.tsv" >"$work/text.sst"
run 3 dump-table "$work/text.sst"
run 4 dump-table "$work/no-such.sst"
run 4 dump-wal "$work/no-such.log"
head -c 5000 "$work/big.tsv" >"$work/000042.log"
"$bin" dump-wal "$work/000042.log" >/dev/null 2>&1
status=$?
((status == 0 || status == 3)) || fail "dump-wal of a text file: exit status $status"

# A table missing from the directory.
run 0 --db "$work/missing" put a b
run 0 --db "$work/missing" flush
missing_tables=("$work/missing"/*.sst)
rm "${missing_tables[0]}"
run 3 --db "$work/missing" check
expect_in out "listed in MANIFEST-"
run 2 --db "$work/nodb" check
expect_in err "does not exist"
mkdir "$work/empty"
run 2 --db "$work/empty" check
expect_in err "holds no database"

# ---- A database in use: Busy, exit status 4

# The loader opens the database (which starts a new manifest) and waits
# for its input; meanwhile every other open gets Busy.
run 0 --db "$work/busy" put k0 v0
manifest_before=$(cd "$work/busy" && echo MANIFEST-*)
mkfifo "$work/fifo"
"$bin" --db "$work/busy" load "$work/fifo" >/dev/null 2>&1 &
loader=$!
exec 3>"$work/fifo" # the loader holds the database until this closes
for ((i = 0; i < 200; i++)); do
  [[ $(cd "$work/busy" && echo MANIFEST-*) != "$manifest_before" ]] && break
  sleep 0.05
done
run 4 --db "$work/busy" get k0
expect_in err "in use"
run 4 --db "$work/busy" put k1 v1
printf 'k\tv\n' >&3
exec 3>&-
wait "$loader" || fail "the loader holding the database failed"
run 0 --db "$work/busy" get k
expect_out v

if ((failures > 0)); then
  echo "cli_test: $failures of $checks checks failed" >&2
  exit 1
fi
echo "cli_test: all $checks checks passed"
