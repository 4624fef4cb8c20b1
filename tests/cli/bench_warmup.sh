#!/bin/bash
# bench_warmup.sh: the warm-up benchmark's driver (build/bin/jolt-bench, make bench-warmup) on
# few requests: every configuration runs and agrees with lua5.4, the tables, CSV files and plots
# are written, a workload that misbehaves fails the run with the reason, the steady-state rule
# finds a planted warm-up. Not a measurement: the numbers themselves are not checked.
# Prints TAP; exit 0 if all checks pass, 4 (skip) when jolt-bench or lua5.4 is missing.
set -u
JOLT=${JOLT:-build/bin/jolt}
JOLT=$(realpath "$JOLT")
BIN=$(dirname "$JOLT")
TOP=$(realpath "$(dirname "$0")/../..")
BENCH=$BIN/jolt-bench
[ -x "$BENCH" ] || { echo "no $BENCH next to $JOLT (make)"; exit 4; }
command -v lua5.4 >/dev/null || { echo "lua5.4 is missing (make deps)"; exit 4; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $1"; }
# check DESC CMD...: one TAP line for whether CMD succeeds; its output as comments if not.
check() {
	local desc=$1
	shift
	if "$@" >"$tmp/check.out" 2>&1; then ok "$desc"; else notok "$desc"; sed 's/^/# /' "$tmp/check.out" | head -n 20; fi
}
has() { grep -Eq -- "$2" "$1" || { echo "no line /$2/ in $1:"; head -n 40 "$1"; return 1; }; }
bench() { (cd "$TOP" && "$BENCH" --jolt="$JOLT" --load="$BIN/jolt-load" "$@"); }

nconf=7
command -v luajit >/dev/null || nconf=6
[ -x "$BIN/jolt-load" ] || nconf=$((nconf - 2))

# Two real workloads, two starts of 50 requests each.
bench --starts=2 --requests=50 --out="$tmp/res" nbody spectral >"$tmp/real.out" 2>"$tmp/real.err"
rc=$?
check "two workloads under every configuration: exit 0" test $rc = 0
rows=$(tail -n +2 "$tmp/res/runs.csv" | grep -c ',1,[0-9]')
check "runs.csv: $((2 * 2 * nconf)) good runs" test "$rows" = $((2 * 2 * nconf))
check "summary.csv: a row per workload and configuration" test "$(tail -n +2 "$tmp/res/summary.csv" | wc -l)" = $((2 * nconf))
for t in "First request" "Steady state" "throughput" "Time to steady state" "CPU to serve" \
         "Peak RSS" "Goals"; do
	check "summary.md and stdout: table '$t'" sh -c "grep -q '$t' '$tmp/res/summary.md' && grep -q '$t' '$tmp/real.out'"
done
check "a plot per workload, a line per configuration" sh -c \
	"[ \$(grep -c '<polyline' '$tmp/res/nbody.svg') = $nconf ] && [ \$(grep -c '<polyline' '$tmp/res/spectral.svg') = $nconf ] && grep -q '</svg>' '$tmp/res/nbody.svg'"
check "every request in build/bench/warmup-requests.csv" has "$TOP/build/bench/warmup-requests.csv" '^spectral,cold,2,50,'
if [ -x "$BIN/jolt-load" ]; then
	check "jump-started runs report the loader's phases" has "$tmp/real.out" '^\| nbody \| [0-9.]+ \| validate '
fi

# A workload whose result depends on the engine, one that fails, and a planted warm-up: the
# first 100 requests do ten times the work, so every engine is steady from request 101. The
# band (150%: 2.5x) is wide enough that this shared machine's speed swings (up to 1.7x) do
# not move the answer, and the planted step (10x) is far outside it.
mkdir -p "$tmp/wl"
cp "$TOP/tests/bench/warmup/run.lua" "$tmp/wl/"
cat >"$tmp/wl/differs.lua" <<'LUA'
return { requests = 50, request = function() end, check = function() return jolt and "jolt" or "another engine" end }
LUA
cat >"$tmp/wl/fails.lua" <<'LUA'
return { requests = 50, request = function(i) if i == 7 then error("fails: request 7 went wrong") end end,
         check = function() return "x" end }
LUA
cat >"$tmp/wl/planted.lua" <<'LUA'
local total
local function work(n) local s = 0 for k = 1, n do s = s + k % 13 end return s end
return { requests = 300, setup = function() total = 0 end,
         request = function(i) total = total + work(i <= 100 and 100000 or 10000) end,
         check = function() return string.format("%d", total) end }
LUA
bench --dir="$tmp/wl" --starts=1 --requests=50 --configs=cold,lua5.4 --out="$tmp/bad" differs >"$tmp/d.out" 2>"$tmp/d.err"
check "an engine-dependent result fails the run" test $? = 1
check "... and says which engine differs" has "$tmp/d.err" "differs under cold \(start 1\): check 'jolt', lua5.4 says 'another engine'"
check "... marked bad in runs.csv" has "$tmp/bad/runs.csv" '^differs,cold,1,0,'
bench --dir="$tmp/wl" --starts=1 --requests=50 --configs=cold --out="$tmp/bad" fails >"$tmp/f.out" 2>"$tmp/f.err"
check "a failing workload fails the run" test $? = 1
check "... with its error message" has "$tmp/f.err" 'fails under cold .*request 7 went wrong'
bench --dir="$tmp/wl" --starts=1 --requests=300 --tolerance=150 --configs=cold,joff,lua5.4 --out="$tmp/pl" planted >"$tmp/p.out" 2>"$tmp/p.err"
check "planted warm-up: exit 0" test $? = 0
for c in cold joff lua5.4; do
	from=$(awk -F, -v c=$c '$1 == "planted" && $2 == c { print $8 }' "$tmp/pl/runs.csv")
	check "planted warm-up under $c: steady from request 101..131 (got ${from:-none})" \
		test "${from:-0}" -ge 101 -a "${from:-0}" -le 131
done
bench --dir="$tmp/wl" --starts=1 --requests=50 --configs=cold,luajit --luajit=/nonexistent/luajit \
	--out="$tmp/nl" planted >"$tmp/nl.out" 2>"$tmp/nl.err"
check "a missing engine drops its column with a note" sh -c "has() { grep -q \"\$2\" \"\$1\"; }; has '$tmp/nl.err' 'not installed' && ! grep -q luajit '$tmp/nl/summary.csv'"
check "bad options are refused" sh -c "! '$BENCH' --starts=0 2>/dev/null && ! '$BENCH' --configs=warp 2>/dev/null"

echo "$((n - fails)) passed, $fails failed, 0 skipped"
[ $fails = 0 ]
