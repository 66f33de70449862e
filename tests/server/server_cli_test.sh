#!/usr/bin/env bash
# Drives a real aeternus-server with redis-cli, redis-benchmark and raw RESP
# over bash's /dev/tcp, and checks its replies against Redis 7's, exactly.
#
#   server_cli_test.sh PATH/TO/aeternus-server
#
# Each server runs on a port the system picks (--port 0; the port is read
# from the line the server prints at start) in a temporary directory. Every
# failed check prints a FAIL line with what was expected and what came; the
# script exits 1 when any failed, 0 when all passed, and 77 (skipped) when
# redis-cli is not installed.
#
# Where the server deliberately differs from Redis (one database: SELECT 1
# fails; CONFIG SET is refused; COMMAND and CONFIG GET list the server's own
# commands and settings; keys come back in key order), the expected replies
# are the server's.
#
# Registered in CTest as server.redis_cli (label `server`).

# Raw requests are printf formats in single quotes ('$3\r\nGET'), on purpose.
# shellcheck disable=SC2016,SC2059
set -u
shopt -s extglob
export LC_ALL=C

readonly BIN=${1:?usage: server_cli_test.sh PATH/TO/aeternus-server}
if ! command -v redis-cli >/dev/null 2>&1; then
  echo "SKIP: redis-cli is not installed (Debian: apt-get install redis-tools)"
  exit 77
fi
if [[ ! -x $BIN ]]; then
  echo "FAIL: $BIN is not an executable"
  exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/aeternus-server-cli.XXXXXX")
PID=""
PORT=""
STARTS=0
CHECKS=0
FAILS=0
readonly STARTED_AT=$SECONDS

cleanup() {
  if [[ -n $PID ]]; then
    kill -KILL "$PID" 2>/dev/null
    wait "$PID" 2>/dev/null
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# ---------------------------------------------------------------------------
# Checks

# Shows at most 1,000 bytes of TEXT, control bytes but LF as ^X (cat -v).
shown() {  # TEXT
  local text
  text=$(printf '%s' "${1:0:1000}" | cat -v)
  ((${#1} > 1000)) && text+="... (${#1} bytes)"
  printf '%s' "${text//$'\n'/$'\n            '}"
}

fail() {  # NAME EXPECTED ACTUAL
  FAILS=$((FAILS + 1))
  printf 'FAIL: %s\n  expected: %s\n  actual:   %s\n' "$1" "$(shown "$2")" "$(shown "$3")"
}

expect_eq() {  # NAME EXPECTED ACTUAL
  CHECKS=$((CHECKS + 1))
  [[ $2 == "$3" ]] || fail "$1" "$2" "$3"
}

# Passes when ACTUAL matches the bash extended glob PATTERN.
expect_match() {  # NAME PATTERN ACTUAL
  CHECKS=$((CHECKS + 1))
  # shellcheck disable=SC2053
  [[ $3 == $2 ]] || fail "$1" "(pattern) $2" "$3"
}

# Compares two files byte for byte; shows both (od -c) when they differ.
expect_same_bytes() {  # NAME EXPECTED_FILE ACTUAL_FILE
  CHECKS=$((CHECKS + 1))
  if ! cmp -s "$2" "$3"; then
    fail "$1" "$(od -An -c "$2" | head -c 2000)" "$(od -An -c "$3" | head -c 2000)"
  fi
}

# ---------------------------------------------------------------------------
# The server

# Starts the server on database directory DIR with the given flags; sets
# PID and PORT.
start_server() {  # DIR [FLAG...]
  local dir=$1
  shift
  STARTS=$((STARTS + 1))
  local log="$TMP/server.$STARTS.log"
  : >"$log"
  "$BIN" --dir "$dir" --port 0 "$@" >"$log" 2>&1 &
  PID=$!
  PORT=""
  local i
  for ((i = 0; i < 200; ++i)); do
    if [[ $(<"$log") =~ serving\ .*\ on\ 127\.0\.0\.1:([0-9]+) ]]; then
      PORT=${BASH_REMATCH[1]}
      return 0
    fi
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "FAIL: aeternus-server $* did not start: $(<"$log")"
  exit 1
}

# SIGTERM: the server must finish and exit 0.
stop_server() {
  kill -TERM "$PID"
  local rc=0 i
  for ((i = 0; i < 200; ++i)); do
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$PID" 2>/dev/null; then
    fail "server exits within 10 s of SIGTERM" "exited" "still running"
    kill -KILL "$PID"
  fi
  wait "$PID" || rc=$?
  expect_eq "exit status after SIGTERM" 0 "$rc"
  PID=""
}

# Every client run is bounded in time: a server that stops answering makes
# checks fail, not the script hang.
redis_cli() { timeout 30 redis-cli "$@"; }
redis_benchmark() { timeout 120 redis-benchmark "$@"; }
cli() { redis_cli -p "$PORT" "$@" 2>&1; }

# ---------------------------------------------------------------------------
# Transcripts: commands and the replies redis-cli --no-raw prints for them.
#
#   > command args      one or more lines, sent in turn over one connection
#   reply lines         what redis-cli prints for all of them, in order
#   ~pattern            a reply line matching a bash extended glob
#   # comment
#
# In commands, {S+n} and {MS+n} stand for the Unix time plus n, in seconds
# and in milliseconds.

run_transcript_entry() {  # uses the arrays cmds and want
  local now_s now_ms c sub=()
  now_ms=$(($(date +%s%N) / 1000000))
  now_s=$((now_ms / 1000))
  for c in "${cmds[@]}"; do
    while [[ $c =~ \{(S|MS)\+([0-9]+)\} ]]; do
      local base=$now_s
      [[ ${BASH_REMATCH[1]} == MS ]] && base=$now_ms
      c=${c/"${BASH_REMATCH[0]}"/$((base + BASH_REMATCH[2]))}
    done
    sub+=("$c")
  done
  local out
  out=$(printf '%s\n' "${sub[@]}" | redis_cli -p "$PORT" --no-raw 2>&1)
  local -a got=()
  [[ -n $out ]] && mapfile -t got <<<"$out"
  local name="${cmds[*]}"
  name=${name:0:120}
  CHECKS=$((CHECKS + 1))
  local ok=1 i
  if ((${#got[@]} != ${#want[@]})); then
    ok=0
  else
    for ((i = 0; i < ${#want[@]}; ++i)); do
      if [[ ${want[i]} == '~'* ]]; then
        # shellcheck disable=SC2053
        [[ ${got[i]} == ${want[i]:1} ]] || ok=0
      else
        [[ ${got[i]} == "${want[i]}" ]] || ok=0
      fi
    done
  fi
  ((ok)) || fail "$name" "$(printf '%s\n' "${want[@]}")" "$out"
}

run_transcript() {  # reads the transcript from stdin
  local line
  local -a cmds=() want=()
  while IFS= read -r line; do
    [[ $line == '#'* || -z $line ]] && continue
    if [[ $line == '> '* ]]; then
      if ((${#want[@]})); then
        run_transcript_entry
        cmds=()
        want=()
      fi
      cmds+=("${line#> }")
    else
      want+=("$line")
    fi
  done
  ((${#cmds[@]})) && run_transcript_entry
}

# ---------------------------------------------------------------------------
# Raw RESP over /dev/tcp

# Sends the bytes of printf FORMAT on a new connection, then reads until the
# server closes it (each request ends with QUIT or an error that closes the
# connection), and compares what came with the bytes of printf EXPECTED.
raw_exchange() {  # NAME FORMAT EXPECTED
  printf -- "$3" >"$TMP/raw.want"
  raw_send "$2" "$TMP/raw.got"
  expect_same_bytes "$1" "$TMP/raw.want" "$TMP/raw.got"
}

# Sends the bytes of printf FORMAT, writes all the server sends until it
# closes the connection to FILE; a connection still open after 10 s is a
# failure.
raw_send() {  # FORMAT FILE
  exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
  # In a subshell: a server that closes early must not end this script by SIGPIPE.
  (printf -- "$1" >&"$fd") 2>/dev/null
  local rc=0
  timeout 10 cat <&"$fd" >"$2" 2>/dev/null || rc=$?
  exec {fd}>&-
  if ((rc == 124)); then
    fail "server closes the connection after: $(printf '%q' "$1" | head -c 200)" "closed" \
      "open after 10 s"
  fi
}

# As raw_send, with the request's bytes read from REQUEST_FILE, sent in one
# go while the replies are read.
raw_send_file() {  # REQUEST_FILE FILE
  exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
  timeout 30 cat <&"$fd" >"$2" 2>/dev/null &
  local reader=$!
  cat "$1" >&"$fd"
  local rc=0
  wait "$reader" || rc=$?
  exec {fd}>&-
  ((rc == 124)) && fail "server answers a pipeline of $(wc -c <"$1") bytes" "closed" "open after 30 s"
}

# ===========================================================================
echo "== commands, against redis-cli"
mkdir -p "$TMP/main"
start_server "$TMP/main"

run_transcript <<'EOF'
> flushall
OK
# Connection
> ping
PONG
> ping "hello world"
"hello world"
> ping a b
(error) ERR wrong number of arguments for 'ping' command
> PiNg
PONG
> echo "hi there"
"hi there"
> echo
(error) ERR wrong number of arguments for 'echo' command
> echo a b
(error) ERR wrong number of arguments for 'echo' command
> select 0
OK
> select 1
(error) ERR DB index is out of range
> select x
(error) ERR value is not an integer or out of range
> client getname
(nil)
> client setname conn-1
> client getname
OK
"conn-1"
> client setname "a b"
(error) ERR Client names cannot contain spaces, newlines or special characters.
> client id
~(integer) [1-9]*([0-9])
> client nosuch
(error) ERR unknown subcommand 'nosuch'. Try CLIENT HELP.
> client setname
(error) ERR wrong number of arguments for 'client|setname' command
> CLIENT GETNAME x
(error) ERR wrong number of arguments for 'client|getname' command
> client
(error) ERR wrong number of arguments for 'client' command
> hello 2
 1) "server"
 2) "redis"
 3) "version"
 4) "7.0.15"
 5) "proto"
 6) (integer) 2
 7) "id"
~ 8) (integer) [1-9]*([0-9])
 9) "mode"
10) "standalone"
11) "role"
12) "master"
13) "modules"
14) (empty array)
> hello 3 setname conn-3
> client getname
> get nokey
1# "server" => "redis"
2# "version" => "7.0.15"
3# "proto" => (integer) 3
~4# "id" => (integer) [1-9]*([0-9])
5# "mode" => "standalone"
6# "role" => "master"
7# "modules" => (empty array)
"conn-3"
(nil)
> hello 4
(error) NOPROTO unsupported protocol version
> hello 1
(error) NOPROTO unsupported protocol version
> hello x
(error) ERR Protocol version is not an integer or out of range
> hello 3 foo
(error) ERR Syntax error in HELLO option 'foo'
> hello 3 setname "a b"
(error) ERR Client names cannot contain spaces, newlines or special characters.
# Without requirepass the default user takes any password; AUTH <password> is refused.
> auth secret
(error) ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?
> auth default anything
OK
> auth someone anything
(error) WRONGPASS invalid username-password pair or user is disabled.
> auth a b c
(error) ERR syntax error
> hello 2 auth default anything
~ 1) "server"
~ 2) "redis"
~ 3) "version"
~ 4) "7.0.15"
~ 5) "proto"
~ 6) (integer) 2
~ 7) "id"
~ 8) (integer) [1-9]*([0-9])
~ 9) "mode"
~10) "standalone"
~11) "role"
~12) "master"
~13) "modules"
~14) (empty array)
# CONFIG COMMAND INFO DBSIZE
> config get save
1) "save"
2) ""
> config get appendonly
1) "appendonly"
2) "no"
> config get appendonly save
1) "appendonly"
2) "no"
3) "save"
4) ""
> config get *max*
1) "maxclients"
2) "10000"
3) "proto-max-bulk-len"
4) "536870912"
> config get SAV?
1) "save"
2) ""
> config get nosuch
(empty array)
> config get
(error) ERR wrong number of arguments for 'config|get' command
> config nosuch
(error) ERR unknown subcommand 'nosuch'. Try CONFIG HELP.
> config set save ""
(error) ERR CONFIG SET is not supported: settings are given at start
> config resetstat
OK
> command count
~(integer) [1-9]*([0-9])
> command info get
1)  1) "get"
    2) (integer) 2
    3) 1) readonly
       2) fast
    4) (integer) 1
    5) (integer) 1
    6) (integer) 1
    7) (empty array)
    8) (empty array)
    9) (empty array)
   10) (empty array)
> command info nosuch
1) (nil)
> command docs get
1) "get"
2) (empty array)
> command count x
(error) ERR wrong number of arguments for 'command|count' command
> command nosuch
(error) ERR unknown subcommand 'nosuch'. Try COMMAND HELP.
> dbsize
(integer) 0
# Errors
> nosuch
(error) ERR unknown command 'nosuch', with args beginning with: 
> nosuch a "b c"
(error) ERR unknown command 'nosuch', with args beginning with: 'a' 'b c' 
> get
(error) ERR wrong number of arguments for 'get' command
> GET a b
(error) ERR wrong number of arguments for 'get' command
> set k
(error) ERR wrong number of arguments for 'set' command
> mget
(error) ERR wrong number of arguments for 'mget' command
> expire k
(error) ERR wrong number of arguments for 'expire' command
> getrange k 0
(error) ERR wrong number of arguments for 'getrange' command
# GET SET
> get s1
(nil)
> set s1 v1
OK
> get s1
"v1"
> set s1 v2 xx
OK
> set s1 v3 nx
(nil)
> get s1
"v2"
> set s2 v nx
OK
> set s3 v xx
(nil)
> exists s3
(integer) 0
> set s1 v4 get
"v2"
> set s4 v get
(nil)
> set s1 v5 nx get
"v4"
> set s5 v xx get
(nil)
> exists s5
(integer) 0
> set s1 v nx xx
(error) ERR syntax error
> set s1 v ex
(error) ERR syntax error
> set s1 v ex 0
(error) ERR invalid expire time in 'set' command
> set s1 v px -5
(error) ERR invalid expire time in 'set' command
> set s1 v ex abc
(error) ERR value is not an integer or out of range
> set s1 v ex 10 px 100
(error) ERR syntax error
> set s1 v ex 10 keepttl
(error) ERR syntax error
> set s1 v keepttl ex 10
(error) ERR syntax error
> set s1 v foo
(error) ERR syntax error
> set s1 v ex 0 foo
(error) ERR syntax error
> set s1 v px 10 nx xx
(error) ERR syntax error
> set s1 v ex 9223372036854775807
(error) ERR invalid expire time in 'set' command
> set s1 v px 9223372036854775807
(error) ERR invalid expire time in 'set' command
> get s1
"v4"
> set x1 v ex 100
> ttl x1
OK
(integer) 100
> set x2 v px 100000
> pttl x2
OK
~(integer) @(99[0-9][0-9][0-9]|100000)
> set x3 v exat {S+100}
> ttl x3
OK
~(integer) @(99|100)
> set x4 v pxat {MS+100000}
> ttl x4
OK
~(integer) @(99|100)
> set x5 v exat 1
> get x5
> exists x5
OK
(nil)
(integer) 0
> set x6 v ex 100
> set x6 w keepttl
> ttl x6
> get x6
> set x6 z
> ttl x6
OK
OK
(integer) 100
"w"
OK
(integer) -1
> set x7 v keepttl
> ttl x7
OK
(integer) -1
> set x9 v ex abc EX 100
> ttl x9
OK
(integer) 100
> set x8 v EX 100 NX GET
> ttl x8
(nil)
(integer) 100
# SETNX SETEX PSETEX GETSET GETDEL
> setnx s1 x
(integer) 0
> setnx n1 x
(integer) 1
> get n1
"x"
> setex e1 100 v
> ttl e1
> get e1
OK
(integer) 100
"v"
> setex e1 0 v
(error) ERR invalid expire time in 'setex' command
> setex e1 -1 v
(error) ERR invalid expire time in 'setex' command
> setex e1 abc v
(error) ERR value is not an integer or out of range
> psetex e2 100000 v
> pttl e2
OK
~(integer) @(99[0-9][0-9][0-9]|100000)
> psetex e2 0 v
(error) ERR invalid expire time in 'psetex' command
> set g1 old ex 100
> getset g1 new
> ttl g1
OK
"old"
(integer) -1
> getset g2 new
(nil)
> getdel g1
"new"
> getdel g1
(nil)
> exists g1
(integer) 0
# MGET MSET MSETNX DEL UNLINK EXISTS TYPE
> mset m1 a m2 b m3 ""
OK
> mget m1 nokey m2 m3
1) "a"
2) (nil)
3) "b"
4) ""
> mset m1 a m2
(error) ERR wrong number of arguments for 'mset' command
> msetnx m1 x m9 y
(integer) 0
> exists m9
(integer) 0
> msetnx m8 x m9 y
(integer) 1
> mget m8 m9
1) "x"
2) "y"
> msetnx m7
(error) ERR wrong number of arguments for 'msetnx' command
> msetnx m7 a m6
(error) ERR wrong number of arguments for 'msetnx' command
> exists m1 m1 nokey m2
(integer) 3
> del m1 m2 nokey m1
(integer) 2
> unlink m8 m9 nokey
(integer) 2
> exists m1 m2 m8 m9
(integer) 0
> type m3
string
> type nokey
none
# INCR DECR INCRBY DECRBY INCRBYFLOAT
> incr c1
(integer) 1
> incrby c1 10
(integer) 11
> decr c1
(integer) 10
> decrby c1 5
(integer) 5
> incrby c1 -7
(integer) -2
> get c1
"-2"
> incrby c1 abc
(error) ERR value is not an integer or out of range
> incrby c1 1.5
(error) ERR value is not an integer or out of range
> set c2 abc
> incr c2
OK
(error) ERR value is not an integer or out of range
> set c3 " 1"
> incr c3
OK
(error) ERR value is not an integer or out of range
> set c3 01
> incr c3
OK
(error) ERR value is not an integer or out of range
> set c4 9223372036854775807
> incr c4
> incrby c4 0
OK
(error) ERR increment or decrement would overflow
(integer) 9223372036854775807
> set c5 -9223372036854775808
> decr c5
OK
(error) ERR increment or decrement would overflow
> decrby c1 -9223372036854775808
(error) ERR decrement would overflow
> incr c6 extra
(error) ERR wrong number of arguments for 'incr' command
> set c7 5 ex 100
> incr c7
> ttl c7
OK
(integer) 6
(integer) 100
> incrbyfloat f1 10.5
"10.5"
> incrbyfloat f1 0.1
"10.6"
> incrbyfloat f1 -10.6
"0"
> set f2 5.0e3
> incrbyfloat f2 0
OK
"5000"
> set f3 3
> incrbyfloat f3 1.5e1
OK
"18"
> incrbyfloat f1 abc
(error) ERR value is not a valid float
> set f4 abc
> incrbyfloat f4 1
OK
(error) ERR value is not a valid float
> incrbyfloat f1 inf
(error) ERR increment would produce NaN or Infinity
# APPEND STRLEN GETRANGE SETRANGE
> append a1 hello
(integer) 5
> append a1 " world"
(integer) 11
> get a1
"hello world"
> strlen a1
(integer) 11
> strlen nokey
(integer) 0
> getrange a1 0 4
"hello"
> getrange a1 -5 -1
"world"
> getrange a1 0 -1
"hello world"
> getrange a1 -100 100
"hello world"
> getrange a1 5 2
""
> getrange a1 -1 -5
""
> getrange a1 3 3
"l"
> getrange nokey 0 -1
""
> getrange a1 0 x
(error) ERR value is not an integer or out of range
> setrange r1 5 abc
(integer) 8
> get r1
"\x00\x00\x00\x00\x00abc"
> setrange r1 0 X
(integer) 8
> setrange r1 6 XYZ
(integer) 9
> get r1
"X\x00\x00\x00\x00aXYZ"
> setrange r1 -1 x
(error) ERR offset is out of range
> setrange r1 536870912 x
(error) ERR string exceeds maximum allowed size (proto-max-bulk-len)
> setrange r1 x y
(error) ERR value is not an integer or out of range
> setrange r2 0 ""
(integer) 0
> exists r2
(integer) 0
> setrange r1 2 ""
(integer) 9
# EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL PERSIST
> set t1 v
> expire t1 100
> ttl t1
OK
(integer) 1
(integer) 100
> expire t1 50 nx
(integer) 0
> expire t1 200 xx
(integer) 1
> expire t1 100 gt
(integer) 0
> expire t1 300 gt
(integer) 1
> expire t1 400 lt
(integer) 0
> expire t1 10 lt
(integer) 1
> ttl t1
(integer) 10
> set t2 v
> expire t2 100 xx
> expire t2 100 gt
> expire t2 100 lt
> ttl t2
OK
(integer) 0
(integer) 0
(integer) 1
(integer) 100
> set t3 v
> expire t3 100 nx
> expire t3 100 nx
OK
(integer) 1
(integer) 0
> expire t3 100 nx xx
(error) ERR NX and XX, GT or LT options at the same time are not compatible
> expire t3 100 gt lt
(error) ERR GT and LT options at the same time are not compatible
> expire t3 100 foo
(error) ERR Unsupported option foo
> expire t3 abc
(error) ERR value is not an integer or out of range
> expire nokey 100
(integer) 0
> pexpire t3 100000
> pttl t3
(integer) 1
~(integer) @(99[0-9][0-9][0-9]|100000)
> expireat t3 {S+100}
> ttl t3
(integer) 1
~(integer) @(99|100)
> pexpireat t3 {MS+100000}
> ttl t3
(integer) 1
~(integer) @(99|100)
> expire t3 9223372036854775807
(error) ERR invalid expire time in 'expire' command
> pexpire t3 9223372036854775807
(error) ERR invalid expire time in 'pexpire' command
> expireat t3 9223372036854775807
(error) ERR invalid expire time in 'expireat' command
> expire t3 -9223372036854775808
(error) ERR invalid expire time in 'expire' command
> ttl t3
~(integer) @(99|100)
> expire t3 -1
(integer) 1
> exists t3
(integer) 0
> set t4 v
> pexpire t4 0
> get t4
OK
(integer) 1
(nil)
> set t5 v
> expireat t5 1
> exists t5
OK
(integer) 1
(integer) 0
> ttl nokey
(integer) -2
> pttl nokey
(integer) -2
> set t6 v
> ttl t6
> pttl t6
OK
(integer) -1
(integer) -1
> set t7 v ex 100
> persist t7
> ttl t7
> persist t7
OK
(integer) 1
(integer) -1
(integer) 0
> persist nokey
(integer) 0
# The empty key and empty values
> set "" ""
OK
> get ""
""
> exists ""
(integer) 1
> strlen ""
(integer) 0
> append "" abc
(integer) 3
> get ""
"abc"
> del ""
(integer) 1
> exists ""
(integer) 0
# KEYS SCAN FLUSHDB FLUSHALL
> flushall
OK
> mset ka 1 kb 2 kc 3 other 4 "k*x" 5
OK
> dbsize
(integer) 5
> keys k?
1) "ka"
2) "kb"
3) "kc"
> keys *a
1) "ka"
> keys k[ab]
1) "ka"
2) "kb"
> keys k[^ab]
1) "kc"
> keys k[a-b]
1) "ka"
2) "kb"
> keys k\*x
1) "k*x"
> keys nomatch*
(empty array)
> scan 0 count 100
1) "0"
2) 1) "k*x"
   2) "ka"
   3) "kb"
   4) "kc"
   5) "other"
> scan 0 match o* count 100
1) "0"
2) 1) "other"
> scan 0 type string count 100 match *c
1) "0"
2) 1) "kc"
> scan 0 type list count 100
1) "0"
2) (empty array)
> scan abc
(error) ERR invalid cursor
> scan 0 count 0
(error) ERR syntax error
> scan 0 count abc
(error) ERR value is not an integer or out of range
> scan 0 foo bar
(error) ERR syntax error
> scan 0 match
(error) ERR syntax error
> flushdb foo
(error) ERR syntax error
> flushdb
OK
> dbsize
(integer) 0
> set ka 1
> flushdb async
> exists ka
OK
OK
(integer) 0
> set ka 1
> flushall sync
> keys *
OK
OK
(empty array)
EOF

# QUIT: the reply comes, then the connection closes.
expect_eq "redis-cli quit" "OK" "$(cli quit)"
raw_exchange "PING QUIT PING: QUIT closes after its reply" 'PING\r\nQUIT\r\nPING\r\n' '+PONG\r\n+OK\r\n'

# INFO: the sections, and the keyspace line agreeing with DBSIZE.
cli mset i1 a i2 b i3 c >/dev/null
info=$(cli info)
for section in Server Clients Persistence Stats Keyspace Engine; do
  expect_match "INFO has # $section" "*# $section*" "$info"
done
expect_match "INFO redis_version" "*redis_version:7.0.15*" "$info"
expect_match "INFO keyspace agrees with DBSIZE (3)" "*db0:keys=3,*" "$info"
info=$(cli info server)
expect_match "INFO server has # Server" "*# Server*" "$info"
expect_match "INFO server is only that section" "!(*# Clients*|*# Keyspace*)" "$info"
expect_match "INFO clients counts the client" "*connected_clients:[1-9]*" "$(cli info clients)"

echo "== binary keys and values, inline requests"
# Key "b\r\n\0" and value "\0\r\n\0x\r" hold NUL, CR and LF.
raw_exchange "binary SET/GET/STRLEN/EXISTS/KEYS/MGET/APPEND/GETRANGE" \
  '*3\r\n$3\r\nSET\r\n$4\r\nb\r\n\0\r\n$6\r\n\0\r\n\0x\r\r\n*2\r\n$3\r\nGET\r\n$4\r\nb\r\n\0\r\n*2\r\n$6\r\nSTRLEN\r\n$4\r\nb\r\n\0\r\n*3\r\n$6\r\nEXISTS\r\n$4\r\nb\r\n\0\r\n$4\r\nb\r\n\1\r\n*2\r\n$4\r\nKEYS\r\n$2\r\nb*\r\n*3\r\n$4\r\nMGET\r\n$4\r\nb\r\n\0\r\n$1\r\n\0\r\n*3\r\n$6\r\nAPPEND\r\n$4\r\nb\r\n\0\r\n$2\r\n\n\0\r\n*4\r\n$8\r\nGETRANGE\r\n$4\r\nb\r\n\0\r\n$1\r\n2\r\n$2\r\n-2\r\nQUIT\r\n' \
  '+OK\r\n$6\r\n\0\r\n\0x\r\r\n:6\r\n:1\r\n*1\r\n$4\r\nb\r\n\0\r\n*2\r\n$6\r\n\0\r\n\0x\r\r\n$-1\r\n:8\r\n$5\r\n\n\0x\r\n\r\n+OK\r\n'
raw_exchange "empty key and empty value" \
  '*3\r\n$3\r\nSET\r\n$0\r\n\r\n$0\r\n\r\n*2\r\n$3\r\nGET\r\n$0\r\n\r\n*2\r\n$6\r\nEXISTS\r\n$0\r\n\r\n*2\r\n$3\r\nDEL\r\n$0\r\n\r\n*2\r\n$3\r\nGET\r\n$0\r\n\r\nQUIT\r\n' \
  '+OK\r\n$0\r\n\r\n:1\r\n:1\r\n$-1\r\n+OK\r\n'
# Sent: SET inl "a b\x00\n" | GET inl (LF alone) | SET inl2 'it\'s' | GET inl2 |
# two blank lines (no request) | GET "x (unbalanced: an error, and the end).
raw_exchange "inline requests with quotes and escapes" \
  "SET inl \"a b\\\\x00\\\\n\"\\r\\nGET inl\\nSET inl2 'it\\\\'s'\\r\\nGET inl2\\r\\n\\r\\n  \\r\\nGET \"x\\r\\nQUIT\\r\\n" \
  "+OK\\r\\n\$5\\r\\na b\\0\\n\\r\\n+OK\\r\\n\$4\\r\\nit's\\r\\n-ERR Protocol error: unbalanced quotes in request\\r\\n"
# redis-cli -x takes the last argument, bytes as they are, from stdin.
printf 'x\0y\r\nz' | redis_cli -p "$PORT" -x set stdin-key >/dev/null 2>&1
raw_exchange "redis-cli -x stores the bytes of stdin" '*2\r\n$3\r\nGET\r\n$9\r\nstdin-key\r\nQUIT\r\n' \
  '$6\r\nx\0y\r\nz\r\n+OK\r\n'

echo "== large values"
# 3 MB of random bytes: the reply is larger than the backlog at which the
# server stops reading a client, and the client must be read from again.
head -c 3000000 /dev/urandom >"$TMP/big.bin"
expect_eq "redis-cli -x SET of 3 MB" "OK" "$(cli -x set bigbin <"$TMP/big.bin")"
printf '*2\r\n$3\r\nGET\r\n$6\r\nbigbin\r\nPING\r\n*2\r\n$6\r\nSTRLEN\r\n$6\r\nbigbin\r\nQUIT\r\n' \
  >"$TMP/big.req"
{
  printf '$3000000\r\n'
  cat "$TMP/big.bin"
  printf '\r\n+PONG\r\n:3000000\r\n+OK\r\n'
} >"$TMP/big.want"
raw_send_file "$TMP/big.req" "$TMP/big.got"
expect_same_bytes "GET of 3 MB, then PING and STRLEN on the same connection" "$TMP/big.want" \
  "$TMP/big.got"
printf 'get bigbin\nappend bigbin xyz\ngetrange bigbin -3 -1\nping\n' | redis_cli -p "$PORT" >"$TMP/big.cli"
expect_eq "GET of 3 MB, APPEND, GETRANGE, PING through redis-cli" $'3000003\nxyz\nPONG' \
  "$(tail -n 3 "$TMP/big.cli")"
cli del bigbin >/dev/null
# Past the engine's default limits (8 KiB keys, 64 MiB values): the server
# raises them to what a request may carry.
long_key=$(head -c 10000 /dev/zero | tr '\0' k)
expect_eq "SET of a 10,000-byte key" "OK" "$(cli set "$long_key" v)"
expect_eq "GET of a 10,000-byte key" "v" "$(cli get "$long_key")"
cli del "$long_key" >/dev/null
head -c 70000000 /dev/zero | tr '\0' w >"$TMP/huge.bin"
expect_eq "redis-cli -x SET of 70 MB" "OK" "$(cli -x set huge <"$TMP/huge.bin")"
expect_eq "STRLEN of 70 MB" "70000000" "$(cli strlen huge)"
expect_eq "GETRANGE at the end of 70 MB" "ww" "$(cli getrange huge -2 -1)"
cli del huge >/dev/null
rm -f "$TMP/huge.bin"

echo "== protocol errors"
errors_before=$(cli info stats | tr -d '\r' | sed -n 's/^total_protocol_errors://p')
raw_exchange "invalid multibulk length closes the connection" 'PING\r\n*abc\r\nPING\r\n' \
  '+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n'
raw_exchange "invalid bulk length" '*1\r\n$x\r\n' '-ERR Protocol error: invalid bulk length\r\n'
raw_exchange "bulk over proto-max-bulk-len" '*2\r\n$3\r\nGET\r\n$536870913\r\n' \
  '-ERR Protocol error: invalid bulk length\r\n'
raw_exchange "expected \$" '*1\r\nfoo\r\n' "-ERR Protocol error: expected '\$', got 'f'\r\n"
raw_exchange "bulk data not followed by CRLF" '*1\r\n$4\r\nPINGxx\r\n' \
  '-ERR Protocol error: invalid bulk length\r\n'
raw_exchange "replies before the error are sent" \
  '*3\r\n$3\r\nSET\r\n$2\r\npe\r\n$1\r\n1\r\n*2\r\n$3\r\nGET\r\n$2\r\npe\r\n*-5\r\n*0\r\n*1\r\n$x\r\n' \
  '+OK\r\n$1\r\n1\r\n-ERR Protocol error: invalid bulk length\r\n'
expect_eq "the server serves others after protocol errors" "PONG" "$(cli ping)"
expect_eq "total_protocol_errors counts 6 more" "$((errors_before + 6))" \
  "$(cli info stats | tr -d '\r' | sed -n 's/^total_protocol_errors://p')"

echo "== pipelining"
# 5,000 SETs then 5,000 GETs in one write; every reply, in order.
: >"$TMP/pipe.req"
: >"$TMP/pipe.want"
{
  for ((i = 0; i < 5000; ++i)); do
    printf '*3\r\n$3\r\nSET\r\n$%d\r\npk:%d\r\n$%d\r\nvalue-%d\r\n' $((3 + ${#i})) "$i" $((6 + ${#i})) "$i"
  done
  for ((i = 0; i < 5000; ++i)); do
    printf '*2\r\n$3\r\nGET\r\n$%d\r\npk:%d\r\n' $((3 + ${#i})) "$i"
  done
  printf 'QUIT\r\n'
} >"$TMP/pipe.req"
{
  for ((i = 0; i < 5000; ++i)); do printf '+OK\r\n'; done
  for ((i = 0; i < 5000; ++i)); do printf '$%d\r\nvalue-%d\r\n' $((6 + ${#i})) "$i"; done
  printf '+OK\r\n'
} >"$TMP/pipe.want"
raw_send_file "$TMP/pipe.req" "$TMP/pipe.got"
expect_same_bytes "10,000 pipelined SET/GET replies" "$TMP/pipe.want" "$TMP/pipe.got"
for ((i = 0; i < 10000; ++i)); do printf '*2\r\n$4\r\nINCR\r\n$7\r\npipectr\r\n'; done >"$TMP/incr.req"
pipe_out=$(redis_cli -p "$PORT" --pipe <"$TMP/incr.req" 2>&1)
expect_match "redis-cli --pipe of 10,000 INCR" "*errors: 0, replies: 10000*" "$pipe_out"
expect_eq "GET pipectr after 10,000 INCR" "10000" "$(cli get pipectr)"

echo "== SCAN over 1,000 keys"
cli flushall >/dev/null
args=()
for ((i = 0; i < 1000; ++i)); do args+=("sk:$i" "$i"); done
cli mset "${args[@]}" >/dev/null
cli mset other:1 a other:2 b >/dev/null
expect_eq "DBSIZE of 1,002 keys" "1002" "$(cli dbsize)"
scan_all() {  # [SCAN options]: every key SCAN returns, one per line
  local cursor=0 rounds=0 out
  while :; do
    out=$(redis_cli -p "$PORT" --raw scan "$cursor" "$@")
    cursor=${out%%$'\n'*}
    [[ $out == *$'\n'* ]] && printf '%s\n' "${out#*$'\n'}"
    rounds=$((rounds + 1))
    [[ $cursor == 0 || $rounds -gt 2000 ]] && break
  done
}
scan_all count 37 >"$TMP/scan.got"
{
  for ((i = 0; i < 1000; ++i)); do echo "sk:$i"; done
  echo other:1
  echo other:2
} | sort >"$TMP/scan.want"
expect_eq "SCAN returns no key twice" "" "$(sort "$TMP/scan.got" | uniq -d | head -5)"
expect_eq "SCAN COUNT 37 returns each key exactly once" "$(cat "$TMP/scan.want")" \
  "$(sort "$TMP/scan.got")"
scan_all match 'sk:99*' count 100 | sort >"$TMP/scan.got"
expect_eq "SCAN MATCH sk:99*" "$(printf 'sk:99\nsk:990\nsk:991\nsk:992\nsk:993\nsk:994\nsk:995\nsk:996\nsk:997\nsk:998\nsk:999')" \
  "$(cat "$TMP/scan.got")"
first=$(redis_cli -p "$PORT" --raw scan 0)
expect_eq "SCAN 0 examines COUNT 10 keys by default" "11" "$(wc -l <<<"$first")"
expect_match "SCAN 0 returns a cursor" "[1-9]*" "${first%%$'\n'*}"
expect_eq "KEYS sk:1?? counts 100" "100" "$(cli --raw keys 'sk:1??' | wc -l)"
expect_eq "KEYS * counts 1,002" "1002" "$(cli --raw keys '*' | wc -l)"

echo "== expired keys are never returned"
cli flushall >/dev/null
{
  echo "mset live1 a live2 b"
  for ((i = 0; i < 50; ++i)); do echo "set exp:$i v px 200"; done
} | redis_cli -p "$PORT" >/dev/null
sleep 0.4
run_transcript <<'EOF'
> get exp:1
(nil)
> exists exp:1 exp:2 live1
(integer) 1
> mget exp:1 live1 exp:2
1) (nil)
2) "a"
3) (nil)
> keys *
1) "live1"
2) "live2"
> keys exp:*
(empty array)
> scan 0 count 1000
1) "0"
2) 1) "live1"
   2) "live2"
> scan 0 match exp:* count 1000
1) "0"
2) (empty array)
> dbsize
(integer) 2
> ttl exp:1
(integer) -2
> type exp:1
none
> strlen exp:1
(integer) 0
> getrange exp:1 0 -1
""
> getdel exp:1
(nil)
> persist exp:3
(integer) 0
> expire exp:3 100
(integer) 0
> append exp:4 x
(integer) 1
> incr exp:5
(integer) 1
> setnx exp:6 x
(integer) 1
> set exp:7 x xx
(nil)
> set exp:8 x nx get
(nil)
> getset exp:9 x
(nil)
> incrbyfloat exp:10 1.5
"1.5"
> setrange exp:11 1 x
(integer) 2
> get exp:11
"\x00x"
> del exp:12 exp:13
(integer) 0
> msetnx exp:14 a exp:15 b
(integer) 1
> dbsize
(integer) 11
EOF

echo "== concurrent clients"
cli flushall >/dev/null
clients=()
for ((i = 0; i < 200; ++i)); do
  printf 'incr conc\nset conc:%d %d\nincr conc\nappend concs x\n' "$i" "$i" |
    redis_cli -p "$PORT" >/dev/null 2>&1 &
  clients+=($!)
done
wait "${clients[@]}"
expect_eq "GET conc after 200 clients INCR twice" "400" "$(cli get conc)"
expect_eq "STRLEN concs after 200 APPENDs" "200" "$(cli strlen concs)"
expect_eq "KEYS conc:* after 200 clients" "200" "$(cli --raw keys 'conc:*' | wc -l)"
expect_eq "GET conc:123" "123" "$(cli get conc:123)"
if command -v redis-benchmark >/dev/null 2>&1; then
  bench_rc=0
  bench_out=$(redis_benchmark -p "$PORT" -c 200 -n 20000 -t incr -q 2>&1) || bench_rc=$?
  expect_eq "redis-benchmark -c 200 -t incr exit status" 0 "$bench_rc"
  expect_eq "INCR from 200 clients at once: 20,000" "20000" "$(cli get 'counter:__rand_int__')"

  echo "== redis-benchmark -t set,get,incr,mset -P 16"
  cli flushall >/dev/null
  bench_rc=0
  bench_out=$(redis_benchmark -p "$PORT" -t set,get,incr,mset -n 20000 -P 16 -q 2>&1) || bench_rc=$?
  expect_eq "redis-benchmark -P 16 exit status" 0 "$bench_rc"
  expect_match "redis-benchmark output has no error" "!(*[Ee]rr*)" "$bench_out"
  expect_match "redis-benchmark ran MSET" "*MSET (10 keys): *requests per second*" "$bench_out"
  expect_eq "redis-benchmark's key exists" "1" "$(cli exists 'key:__rand_int__')"
  expect_eq "redis-benchmark's INCR: 20,000" "20000" "$(cli get 'counter:__rand_int__')"
  expect_eq "redis-benchmark's value: 3 bytes" "3" "$(cli strlen 'key:__rand_int__')"
else
  echo "note: redis-benchmark is not installed; its checks are skipped"
fi

echo "== restart keeps data and expiry"
cli flushall >/dev/null
cli mset keep1 one keep2 two >/dev/null
raw_exchange "SET of a binary key before restart" '*3\r\n$3\r\nSET\r\n$4\r\nbin\0\r\n$3\r\n\r\n\0\r\nQUIT\r\n' \
  '+OK\r\n+OK\r\n'
cli set kex v ex 1000 >/dev/null
cli set kpx v px 1500 >/dev/null
px_set_at=$(date +%s%N)
cli incrby kctr 41 >/dev/null
stop_server
start_server "$TMP/main" --sync yes --io-threads 3
run_transcript <<'EOF'
> mget keep1 keep2 kctr
1) "one"
2) "two"
3) "41"
> incr kctr
(integer) 42
> ttl kex
~(integer) @(99[0-9]|1000)
EOF
raw_exchange "the binary key after restart" '*2\r\n$3\r\nGET\r\n$4\r\nbin\0\r\nQUIT\r\n' \
  '$3\r\n\r\n\0\r\n+OK\r\n'
# Wait until 1.6 s after the SET ... PX 1500, then restart again.
while (($(date +%s%N) - px_set_at < 1600000000)); do sleep 0.05; done
stop_server
start_server "$TMP/main" --sync yes
run_transcript <<'EOF'
> get kpx
(nil)
> exists kpx
(integer) 0
> keys k*
1) "kctr"
2) "keep1"
3) "keep2"
4) "kex"
> get kctr
"42"
> ttl kex
~(integer) @(99[0-9]|1000)
EOF
# With sync on: the replies of a pipeline of blind writes, then the data
# after a restart.
{
  for ((i = 0; i < 2000; ++i)); do printf '*3\r\n$3\r\nSET\r\n$%d\r\nsy:%d\r\n$1\r\n%d\r\n' $((3 + ${#i})) "$i" $((i % 10)); done
  printf 'QUIT\r\n'
} >"$TMP/sync.req"
raw_send_file "$TMP/sync.req" "$TMP/sync.got"
expect_eq "2,000 synced SET replies" "2001" "$(grep -c '^+OK' "$TMP/sync.got")"
stop_server
start_server "$TMP/main"
expect_eq "synced SETs after restart" "2000" "$(cli --raw keys 'sy:*' | wc -l)"
expect_eq "GET sy:1999" "9" "$(cli get sy:1999)"
# SIGTERM while 20 clients write: a graceful stop, exit 0, and the data of
# the acknowledged writes after a restart.
if command -v redis-benchmark >/dev/null 2>&1; then
  timeout 120 redis-benchmark -p "$PORT" -c 20 -n 1000000 -t set -P 8 -q >/dev/null 2>&1 &
  bench=$!
  sleep 0.5
  stop_server
  kill "$bench" 2>/dev/null
  wait "$bench" 2>/dev/null
  start_server "$TMP/main"
  expect_eq "a key written under load before SIGTERM" "1" "$(cli exists 'key:__rand_int__')"
fi
stop_server

echo "== AUTH, --config, and limits before authentication"
mkdir -p "$TMP/auth"
printf '# aeternus-server settings\nrequirepass "secret"\nmaxclients 50\nproto-max-bulk-len 100000\n' \
  >"$TMP/auth.conf"
start_server "$TMP/auth" --config "$TMP/auth.conf"
run_transcript <<'EOF'
> get a
(error) NOAUTH Authentication required.
> ping
(error) NOAUTH Authentication required.
> auth wrong
(error) WRONGPASS invalid username-password pair or user is disabled.
> auth other secret
(error) WRONGPASS invalid username-password pair or user is disabled.
> hello 3
(error) NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time
> hello 2 auth default wrong
(error) WRONGPASS invalid username-password pair or user is disabled.
> nosuch
(error) ERR unknown command 'nosuch', with args beginning with: 
> auth secret
> get a
> set a 1
> get a
OK
(nil)
OK
"1"
> auth default secret
> config get requirepass
> config get maxclients proto-max-bulk-len
OK
1) "requirepass"
2) "secret"
1) "maxclients"
2) "50"
3) "proto-max-bulk-len"
4) "100000"
> hello 3 auth default secret
> get a
1# "server" => "redis"
2# "version" => "7.0.15"
3# "proto" => (integer) 3
~4# "id" => (integer) [1-9]*([0-9])
5# "mode" => "standalone"
6# "role" => "master"
7# "modules" => (empty array)
"1"
EOF
expect_eq "redis-cli -a secret" "1" "$(redis_cli -p "$PORT" -a secret --no-auth-warning get a 2>&1)"
raw_exchange "an unauthenticated bulk over 16 KiB is refused" '*2\r\n$4\r\nAUTH\r\n$20000\r\n' \
  '-ERR Protocol error: unauthenticated bulk length\r\n'
raw_exchange "an unauthenticated request of 11 arguments is refused" '*11\r\n$4\r\nAUTH\r\n' \
  '-ERR Protocol error: unauthenticated multibulk length\r\n'
value=$(printf '%*s' 20000 '' | tr ' ' v)
raw_exchange "after AUTH a bulk of 20,000 bytes is taken" \
  "*2\r\n\$4\r\nAUTH\r\n\$6\r\nsecret\r\n*3\r\n\$3\r\nSET\r\n\$3\r\nbig\r\n\$20000\r\n$value\r\n*2\r\n\$6\r\nSTRLEN\r\n\$3\r\nbig\r\nQUIT\r\n" \
  '+OK\r\n+OK\r\n:20000\r\n+OK\r\n'
raw_exchange "a bulk over --proto-max-bulk-len is refused" \
  '*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$100001\r\n' \
  '+OK\r\n-ERR Protocol error: invalid bulk length\r\n'
expect_eq "the server serves others after refusals" "PONG" \
  "$(redis_cli -p "$PORT" -a secret --no-auth-warning ping 2>&1)"
stop_server

echo "== maxclients, idle timeout, output buffer limit"
mkdir -p "$TMP/limits"
start_server "$TMP/limits" --maxclients 2 --timeout 1 --client-output-buffer-limit 262144
exec {c1}<>"/dev/tcp/127.0.0.1/$PORT"
exec {c2}<>"/dev/tcp/127.0.0.1/$PORT"
printf 'PING\r\n' >&"$c1"
printf 'PING\r\n' >&"$c2"
expect_eq "first client served" "+PONG" "$(head -c 7 <&"$c1" | tr -d '\r\n')"
expect_eq "second client served" "+PONG" "$(head -c 7 <&"$c2" | tr -d '\r\n')"
raw_exchange "a third client is refused" '' '-ERR max number of clients reached\r\n'
expect_eq "redis-cli refused" "ERR max number of clients reached" "$(cli ping | head -1)"
# Both held clients idle out after 1 s; their slots free up.
sleep 2.2
expect_eq "an idle client is closed (EOF)" "" "$(timeout 2 cat <&"$c1" | od -An -c)"
exec {c1}>&- {c2}>&-
expect_eq "served again once clients left" "PONG" "$(cli ping)"
expect_match "rejected_connections counted" "*rejected_connections:[1-9]*" "$(cli info stats)"
# A client that sends 64 GETs of 1 MB and reads nothing passes the output
# buffer limit and is closed; the others are served. (With --maxclients 2,
# each step waits until the server has counted the last one's clients out.)
wait_for_no_other_client() {
  local i
  for ((i = 0; i < 100; ++i)); do
    [[ $(cli info clients | tr -d '\r') == *$'\n'connected_clients:1$'\n'* ]] && return
    sleep 0.05
  done
}
wait_for_no_other_client
head -c 1000000 /dev/zero | tr '\0' m | redis_cli -p "$PORT" -x set mb >/dev/null 2>&1
wait_for_no_other_client
exec {c1}<>"/dev/tcp/127.0.0.1/$PORT"
for ((i = 0; i < 64; ++i)); do printf '*2\r\n$3\r\nGET\r\n$2\r\nmb\r\n'; done >&"$c1"
for ((i = 0; i < 100; ++i)); do
  limit_closed=$(cli info stats | tr -d '\r' | sed -n 's/^client_output_buffer_limit_disconnections://p')
  [[ $limit_closed == 1 ]] && break
  sleep 0.05
done
expect_eq "client_output_buffer_limit_disconnections" "1" "$limit_closed"
exec {c1}>&-
expect_eq "STRLEN mb after the disconnection" "1000000" "$(cli strlen mb)"
stop_server

echo "$CHECKS checks, $FAILS failed, $STARTS server starts, $((SECONDS - STARTED_AT)) s"
((FAILS == 0))
