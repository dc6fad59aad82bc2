#!/usr/bin/env bash
# Builds every target, starts it on loopback, runs the same workloads against
# each in turn (interleaved over rounds) and writes the measured table into
# bench/RESULTS.md (between the results markers).
#
#   bench/run.sh            full run (~15 min on 2 cores)
#   bench/run.sh --smoke    seconds per workload, a few targets: CI keeps it working
#
# Environment: PORTICO_BENCH_POSTGRES (default the CI test database; the
# portico-pg targets are skipped if it does not answer), ROUNDS, DUR, WARM.
set -euo pipefail
cd "$(dirname "$0")"
BENCH=$(pwd)
ROOT=$(cd .. && pwd)

MODE=full
for a in "$@"; do
  case "$a" in
    --smoke) MODE=smoke ;;
    *) echo "usage: $0 [--smoke]" >&2; exit 2 ;;
  esac
done
if [ "$MODE" = smoke ]; then
  ROUNDS=${ROUNDS:-1} DUR=${DUR:-1s} WARM=${WARM:-300ms} POSTS=${POSTS:-2000} NCONNS=${NCONNS:-200} STARTS=${STARTS:-2}
else
  ROUNDS=${ROUNDS:-3} DUR=${DUR:-5s} WARM=${WARM:-1s} POSTS=${POSTS:-100000} NCONNS=${NCONNS:-5000} STARTS=${STARTS:-7}
fi
PG=${PORTICO_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}

WORK=$(mktemp -d /tmp/portico-bench.XXXXXX)
BIN=$WORK/bin
RES=$WORK/results.jsonl
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
log() { printf '%s  %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Server on CPU 1, load generator on CPU 0, when taskset and two CPUs exist.
SRV=() CLI=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then SRV=(taskset -c 1) CLI=(taskset -c 0); fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
log "mode $MODE, rounds $ROUNDS, $DUR per run, fd limit $(ulimit -n), pinning: ${SRV[*]:-none}"

log "build"
mkdir -p "$BIN"
(cd "$ROOT" && CGO_ENABLED=0 go build -o "$BIN/portico" ./cmd/portico)
(cd "$BENCH" && CGO_ENABLED=0 go build -o "$BIN/" ./loadgen ./seed ./peers/...)
LG() { "${CLI[@]}" "$BIN/loadgen" "$@"; }

# start NAME PORT CMD...: starts a server, waits for /readyz, records its pid.
declare -A PID PORT
start() {
  local name=$1 port=$2; shift 2
  "${SRV[@]}" "$@" >"$WORK/$name.log" 2>&1 &
  PID[$name]=$! PORT[$name]=$port
  PIDS+=("$!")
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && return 0
    sleep 0.1
  done
  log "$name did not become ready:"; tail -20 "$WORK/$name.log" >&2; exit 1
}
stop() { kill "${PID[$1]}" 2>/dev/null || true; wait "${PID[$1]}" 2>/dev/null || true; unset "PID[$1]"; }

# record TARGET WORKLOAD ROUND JSON
record() { printf '{"target":"%s","workload":"%s","round":%s,"r":%s}\n' "$1" "$2" "$3" "$4" >>"$RES"; }

EMAIL=bench@example.com PASS=bench-password-123
# portico_up NAME PORT DATADIR [PUBLIC-URL [DB-URL]]: a user and a server.
portico_up() {
  local name=$1 port=$2 dir=$3 public=${4:-http://127.0.0.1:$2} db=()
  [ -n "${5:-}" ] && db=(--db "$5")
  mkdir -p "$dir"
  echo "$PASS" | "$BIN/portico" user add --email "$EMAIL" --role admin --password-stdin --data-dir "$dir" "${db[@]}" >"$WORK/$name-user.log" 2>&1 ||
    grep -qi "already" "$WORK/$name-user.log" || { cat "$WORK/$name-user.log" >&2; exit 1; }
  start "$name" "$port" "$BIN/portico" serve --listen "127.0.0.1:$port" --data-dir "$dir" --demo \
    --trusted-proxies 127.0.0.1/32 --log-level error --public-url "$public" "${db[@]}"
}

log "targets"
start limit 9101 "$BIN/limit" -listen 127.0.0.1:9101
start gosdk 9102 "$BIN/gosdk" -listen 127.0.0.1:9102
if [ "$MODE" = full ]; then
  start mcpgo 9103 "$BIN/mcpgo" -listen 127.0.0.1:9103
  (cd ts && { [ -d node_modules ] || npm ci --no-audit --no-fund >/dev/null; })
  export BENCH_TOKEN=bench-token LISTEN=127.0.0.1:9104
  start ts 9104 node ts/server.mjs
fi
portico_up portico 9105 "$WORK/sqlite"
TOK=$(LG token -base http://127.0.0.1:9105 -email "$EMAIL" -password "$PASS" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
POST_ID=$(curl -fsS http://127.0.0.1:9105/mcp -H "Authorization: Bearer $TOK" -H 'Content-Type: application/json' \
  -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-06-18' \
  -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_posts","arguments":{"limit":1}}}' |
  grep -o '\\"id\\":[0-9]*' | head -1 | grep -o '[0-9]*$')
log "portico token ok, post id $POST_ID"

PGOK=0
if [ "$MODE" = full ] && psql "$PG" -qAtc 'DROP SCHEMA IF EXISTS portico_bench CASCADE; CREATE SCHEMA portico_bench' >/dev/null 2>&1; then
  PGOK=1
  PGURL="$PG&search_path=portico_bench"
  portico_up portico-pg 9106 "$WORK/pg-a" http://127.0.0.1:9108 "$PGURL"
  portico_up portico-pg-b 9107 "$WORK/pg-b" http://127.0.0.1:9108 "$PGURL"
  start proxy 9108 "$BIN/proxy" -listen 127.0.0.1:9108 -backends http://127.0.0.1:9106,http://127.0.0.1:9107
  PGTOK=$(LG token -base http://127.0.0.1:9108 -email "$EMAIL" -password "$PASS" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
  PGPOST=$(curl -fsS http://127.0.0.1:9108/mcp -H "Authorization: Bearer $PGTOK" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-06-18' \
    -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_posts","arguments":{"limit":1}}}' |
    grep -o '\\"id\\":[0-9]*' | head -1 | grep -o '[0-9]*$')
else
  [ "$MODE" = full ] && log "PostgreSQL at $PG not reachable: skipping portico-pg"
fi

# target → "url token post-id pid"
declare -A T
T[limit]="http://127.0.0.1:9101/mcp - 1 ${PID[limit]}"
T[gosdk]="http://127.0.0.1:9102/mcp - 1 ${PID[gosdk]}"
T[portico]="http://127.0.0.1:9105/mcp $TOK $POST_ID ${PID[portico]}"
ORDER=(limit gosdk portico)
if [ "$MODE" = full ]; then
  T[mcpgo]="http://127.0.0.1:9103/mcp - 1 ${PID[mcpgo]}"
  T[ts]="http://127.0.0.1:9104/mcp bench-token 1 ${PID[ts]}"
  ORDER=(limit gosdk mcpgo ts portico)
  if [ $PGOK = 1 ]; then
    T[portico-pg]="http://127.0.0.1:9106/mcp $PGTOK $PGPOST ${PID[portico-pg]}"
    T[portico-pg2]="http://127.0.0.1:9108/mcp $PGTOK $PGPOST ${PID[proxy]}"
    ORDER+=(portico-pg portico-pg2)
  fi
fi

# rpc TARGET WORKLOAD ROUND CONNS BODY EXPECT
rpc() {
  local url tok id pid; read -r url tok id pid <<<"${T[$1]}"
  [ "$tok" = - ] && tok=""
  local body=${5//@ID@/$id}
  local out
  out=$(LG rpc -url "$url" -token "$tok" -c "$4" -d "$DUR" -warmup "$WARM" -pid "$pid" -body "$body" -expect "$6" -name "$2") ||
    { log "FAILED: $1 $2"; exit 1; }
  record "$1" "$2" "$3" "$out"
  log "$1 $2: $(sed 's/.*"rps":\([0-9.]*\).*/\1/' <<<"$out") req/s"
}

CALL='{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_post","arguments":{"id":@ID@}}}'
LIST='{"jsonrpc":"2.0","id":8,"method":"tools/list","params":{}}'
INIT='{"jsonrpc":"2.0","id":9,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}'
CONNS=(1 16 64)
[ "$MODE" = smoke ] && CONNS=(16)

for r in $(seq 1 "$ROUNDS"); do
  log "round $r"
  for c in "${CONNS[@]}"; do
    for t in "${ORDER[@]}"; do rpc "$t" "mcp.tools/call c=$c" "$r" "$c" "$CALL" '"result"'; done
  done
  for t in "${ORDER[@]}"; do
    [ "$t" = limit ] && continue # the limit answers every POST the same
    rpc "$t" "mcp.tools/list c=16" "$r" 16 "$LIST" 'get_post'
    rpc "$t" "mcp.initialize c=16" "$r" 16 "$INIT" 'protocolVersion'
  done
  for w in oauth-dance token-refresh; do
    cmd=dance; [ $w = token-refresh ] && cmd=refresh
    out=$(LG $cmd -base http://127.0.0.1:9105 -email "$EMAIL" -password "$PASS" -c 8 -d "$DUR" -warmup "$WARM") ||
      { log "FAILED: portico $w"; exit 1; }
    record portico $w "$r" "$out"; log "portico $w: $(sed 's/.*"rps":\([0-9.]*\).*/\1/' <<<"$out")/s"
  done
done

log "open connections ($NCONNS) on a freshly started server"
stop portico
portico_up portico 9105 "$WORK/sqlite"
out=$(LG conns -url http://127.0.0.1:9105/sse -token "$TOK" -n "$NCONNS" -pid "${PID[portico]}" -metrics http://127.0.0.1:9105/metrics)
record portico conns-sse 1 "$out"; log "$out"
stop portico

log "start-up and idle RSS"
out=$(LG startup -rounds "$STARTS" -cpu 1 -ready http://127.0.0.1:9105/readyz -- "$BIN/portico" serve \
  --listen 127.0.0.1:9105 --data-dir "$WORK/sqlite" --log-level error --public-url http://127.0.0.1:9105)
record portico startup 1 "$out"; log "$out"

log "search over $POSTS generated posts"
"$BIN/seed" -db "$WORK/search/portico.db" -n "$POSTS" >&2
portico_up portico 9109 "$WORK/search"
STOK=$(LG token -base http://127.0.0.1:9109 -email "$EMAIL" -password "$PASS" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
# The queries (seed/queries.jsonl, one search_posts arguments object a line)
# are drawn from the seeded vocabulary: common and rare words, 2-3 words, a
# phrase, or, -word, no match, type/status filters, a second page. Latency
# is per query, so the goal is judged on one client (c=1: nothing queues);
# c=4 against the one server core is the throughput row.
for r in $(seq 1 "$ROUNDS"); do
  for c in 1 4; do
    out=$(LG rpc -url http://127.0.0.1:9109/mcp -token "$STOK" -c "$c" -d "$DUR" -warmup "$WARM" -pid "${PID[portico]}" \
      -args-file "$BENCH/seed/queries.jsonl" -tool search_posts -expect 'hits' -name "search c=$c") ||
      { log "FAILED: portico search c=$c"; exit 1; }
    record portico "search-100k c=$c" "$r" "$out"; log "search c=$c: $out"
  done
done

BOUT=$WORK/bench.txt
if [ "$MODE" = full ]; then
  log "micro-benchmarks"
  (cd "$ROOT" && go test -run '^$' -bench . -benchmem -count 3 -benchtime 1s \
    ./internal/oauth/ ./internal/store/sqlstore/ ./internal/mcpserver/) | tee "$BOUT" >&2
else
  (cd "$ROOT" && go test -run '^$' -bench 'Verify$|ToolsCallGetPost' -benchmem -benchtime 200x \
    ./internal/oauth/ ./internal/mcpserver/) >"$BOUT"
fi

TABLE=$WORK/table.md
PAIRS=$WORK/authpairs.txt
if [ "$MODE" = full ]; then
  log "auth share: the with/without-auth pair, interleaved ${AUTHPAIRS:-7} times"
  for _ in $(seq 1 "${AUTHPAIRS:-7}"); do
    (cd "$ROOT" && go test -run '^$' -bench 'ToolsCallGetPost(NoAuth)?$' -benchmem -count 1 -benchtime 1s \
      ./internal/mcpserver/) | grep '^Benchmark' | tee -a "$PAIRS" >&2
  done
fi
"$BIN/loadgen" report -in "$RES" -bench "$BOUT" -authpairs "$PAIRS" -mode "$MODE" >"$TABLE"
cat "$TABLE"
if [ "$MODE" = full ]; then
  python3 - "$BENCH/RESULTS.md" "$TABLE" <<'PY' 2>/dev/null || { awk -v t="$TABLE" '
    /<!-- results:begin -->/ {print; while ((getline l < t) > 0) print l; skip=1; next}
    /<!-- results:end -->/ {skip=0} !skip' "$BENCH/RESULTS.md" >"$WORK/r.md" && cp "$WORK/r.md" "$BENCH/RESULTS.md"; }
import sys,re
p,t=sys.argv[1],open(sys.argv[2]).read()
s=open(p).read()
s=re.sub(r'(<!-- results:begin -->\n).*?(<!-- results:end -->)', lambda m: m.group(1)+t+m.group(2), s, flags=re.S)
open(p,'w').write(s)
PY
  log "wrote $BENCH/RESULTS.md"
fi
