#!/bin/bash
# run.sh: benchmarks jolt against its peers (`make bench`).
#
# Each tests/bench/*.lua (iter.lua aside) runs under six engines, interleaved (one run of each
# engine, three times over, so that a burst of load on the machine hits all of them alike), and
# the best of the three wall times counts. Every run's stdout must equal lua5.4's. Two tables:
# - interpreters: the times, jolt/lua5.4, jolt/(luajit -joff), the cost of profiling
#   (jolt/noprof), each engine's peak RSS and jolt's peak RSS over lua5.4's;
# - JIT: `jolt -j on` against lua5.4, luajit (JIT on) and its own interpreter, its peak RSS over
#   lua5.4's (the goal is at most 1.5), and the machine code bytes per compiled bytecode, from
#   the "jit: N functions compiled, N bytecodes, N code bytes" line of a `--stats` run;
# each with the geometric means of the ratios. Then warmup.sh measures the same benchmarks
# iteration by iteration (steady state, warm-up, and jump-started from snapshots), and
# tracer.sh what the eBPF tracer costs a traced program.
#
#   tests/bench/run.sh [name...]     e.g. tests/bench/run.sh fib nbody
# Environment: JOLT [build/bin/jolt], JOLT_NOPROF [build/noprof/bin/jolt], LUA [/usr/bin/lua5.4],
#   LUAJIT [luajit], RUNS [3], WARMUP [1; 0 leaves warmup.sh out], TRACER [1; 0 leaves tracer.sh
#   (the eBPF tracer's cost, as root) out], and warmup.sh's ITERS.
set -u
cd "$(dirname "$0")/../.." || exit 1

JOLT=${JOLT:-build/bin/jolt}
JOLT_NOPROF=${JOLT_NOPROF:-build/noprof/bin/jolt}
LUA=${LUA:-/usr/bin/lua5.4}
LUAJIT=${LUAJIT:-luajit}
RUNS=${RUNS:-3}
TIME=/usr/bin/time
WORK=$(mktemp -d /tmp/jolt-bench.XXXXXX) || exit 1
trap 'rm -rf "$WORK"' EXIT

[ -x "$TIME" ] || { echo "bench: $TIME is missing (apt-get install time)"; exit 1; }

# Engines: a name and a command line; an engine that is missing is left out of the table.
names=() cmds=()
add() { names+=("$1"); cmds+=("$2"); }
[ -x "$JOLT" ] && add jolt "$JOLT -j off"
[ -x "$JOLT_NOPROF" ] && add noprof "$JOLT_NOPROF -j off"
[ -x "$LUA" ] && add lua5.4 "$LUA"
command -v "$LUAJIT" >/dev/null 2>&1 && add luajit-joff "$LUAJIT -joff"
[ -x "$JOLT" ] && add jit "$JOLT -j on"
command -v "$LUAJIT" >/dev/null 2>&1 && add luajit "$LUAJIT"
ne=${#names[@]}
[ -x "$LUA" ] || { echo "bench: $LUA is missing: outputs cannot be checked"; exit 1; }

if [ $# -gt 0 ]; then
	benches=()
	for b in "$@"; do benches+=("tests/bench/${b%.lua}.lua"); done
else
	benches=()
	for f in tests/bench/*.lua; do [ "$f" = tests/bench/iter.lua ] || benches+=("$f"); done
fi

# run E FILE: one run of engine E; prints "seconds peak-KiB status", stdout saved for checking.
run() {
	local t0 t1 st
	t0=$EPOCHREALTIME
	# shellcheck disable=SC2086 # a command line: split into words on purpose
	$TIME -f %M -o "$WORK/rss" ${cmds[$1]} "$2" >"$WORK/out.$1" 2>"$WORK/err.$1"
	st=$?
	t1=$EPOCHREALTIME
	echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') $(tail -n 1 "$WORK/rss") $st"
}

# Results: one line per benchmark and engine, "bench engine best-seconds peak-KiB ok|DIFFERS|FAILED".
: >"$WORK/results"
: >"$WORK/jitstats"
for f in "${benches[@]}"; do
	b=$(basename "$f" .lua)
	"$LUA" "$f" >"$WORK/expected" 2>/dev/null
	declare -A best=() rss=() verdict=()
	for ((r = 0; r < RUNS; r++)); do
		for ((e = 0; e < ne; e++)); do
			read -r secs kib st < <(run $e "$f")
			if [ "$st" -ne 0 ]; then
				verdict[$e]=FAILED
			elif ! cmp -s "$WORK/out.$e" "$WORK/expected"; then
				verdict[$e]=${verdict[$e]:-DIFFERS}
			else
				verdict[$e]=${verdict[$e]:-ok}
			fi
			if [ -z "${best[$e]:-}" ] || awk -v a="$secs" -v b="${best[$e]}" 'BEGIN { exit !(a < b) }'; then
				best[$e]=$secs
			fi
			[ -z "${rss[$e]:-}" ] || [ "$kib" -gt "${rss[$e]}" ] && rss[$e]=$kib
		done
	done
	for ((e = 0; e < ne; e++)); do
		echo "$b ${names[$e]} ${best[$e]} ${rss[$e]} ${verdict[$e]}" >>"$WORK/results"
		[ "${verdict[$e]}" = ok ] || { echo "bench: $b under ${names[$e]}: ${verdict[$e]}"; head -n 3 "$WORK/err.$e"; }
	done
	unset best rss verdict
	# Code size: one untimed --stats run; "bench functions bytecodes code-bytes" when reported.
	if [ -x "$JOLT" ]; then
		"$JOLT" -j on --stats "$f" 2>&1 >/dev/null |
			sed -nE "s/.*jit: ([0-9]+) functions compiled, ([0-9]+) bytecodes, ([0-9]+) code bytes.*/$b \1 \2 \3/p" |
			tail -n 1 >>"$WORK/jitstats"
	fi
done

# The table: times, ratios, RSS; geometric means over the benchmarks where both sides ran.
awk -v runs="$RUNS" '
function ratio(a, b) { return (a != "" && b != "" && b > 0) ? a / b : "" }
function fmt(x) { return x == "" ? "-" : sprintf("%.2f", x) }
function mb(k) { return k == "" ? "-" : sprintf("%.1fM", k / 1024) }
function acc(name, x) { if (x != "") { sum[name] += log(x); cnt[name]++ } }
{
	if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 }
	if ($5 == "ok") { t[$1, $2] = $3; m[$1, $2] = $4 }
}
END {
	printf "best of %d runs, wall seconds (- = missing or wrong output)\n", runs
	printf "%-10s %7s %7s %7s %7s | %8s %8s %8s | %7s %7s %7s %7s %6s\n", "benchmark", "jolt", "noprof",
		"lua5.4", "ljoff", "j/lua", "j/ljoff", "j/noprof", "rss-j", "rss-np", "rss-lua", "rss-lj", "j/lua"
	for (i = 1; i <= n; i++) {
		b = order[i]
		r1 = ratio(t[b, "jolt"], t[b, "lua5.4"]); r2 = ratio(t[b, "jolt"], t[b, "luajit-joff"])
		r3 = ratio(t[b, "jolt"], t[b, "noprof"]); r4 = ratio(m[b, "jolt"], m[b, "lua5.4"])
		acc("r1", r1); acc("r2", r2); acc("r3", r3); acc("r4", r4)
		printf "%-10s %7s %7s %7s %7s | %8s %8s %8s | %7s %7s %7s %7s %6s\n", b,
			fmt(t[b, "jolt"]), fmt(t[b, "noprof"]), fmt(t[b, "lua5.4"]), fmt(t[b, "luajit-joff"]),
			fmt(r1), fmt(r2), fmt(r3),
			mb(m[b, "jolt"]), mb(m[b, "noprof"]), mb(m[b, "lua5.4"]), mb(m[b, "luajit-joff"]), fmt(r4)
	}
	printf "%-10s %7s %7s %7s %7s | %8s %8s %8s | %7s %7s %7s %7s %6s\n", "geomean", "", "", "", "",
		cnt["r1"] ? fmt(exp(sum["r1"] / cnt["r1"])) : "-", cnt["r2"] ? fmt(exp(sum["r2"] / cnt["r2"])) : "-",
		cnt["r3"] ? fmt(exp(sum["r3"] / cnt["r3"])) : "-", "", "", "", "",
		cnt["r4"] ? fmt(exp(sum["r4"] / cnt["r4"])) : "-"
	print "j/lua, j/ljoff: time of jolt -j off over lua5.4 and luajit -joff (< 1 means jolt is faster)"
	print "j/noprof: cost of profiling, jolt over jolt built with -DJOLT_PROFILE=0"
}' "$WORK/results"

# The JIT table: jolt -j on against lua5.4, luajit and jolt -j off, from the same runs.
echo
awk '
function ratio(a, b) { return (a != "" && b != "" && b > 0) ? a / b : "" }
function fmt(x) { return x == "" ? "-" : sprintf("%.2f", x) }
function mb(k) { return k == "" ? "-" : sprintf("%.1fM", k / 1024) }
function acc(name, x) { if (x != "") { sum[name] += log(x); cnt[name]++ } }
function gm(name) { return cnt[name] ? fmt(exp(sum[name] / cnt[name])) : "-" }
FILENAME ~ /jitstats$/ { if ($3 > 0) bpb[$1] = sprintf("%.1f", $4 / $3); next }
{
	if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 }
	if ($5 == "ok") { t[$1, $2] = $3; m[$1, $2] = $4 }
}
END {
	printf "JIT, same runs: best wall seconds; code B/bc = machine code bytes per compiled bytecode\n"
	printf "%-10s %7s %7s %7s %7s | %8s %8s %8s | %7s %7s %7s | %6s\n", "benchmark", "jit",
		"lua5.4", "luajit", "joff", "jit/lua", "jit/lj", "jit/joff", "rss-jit", "rss-lua", "jit/lua",
		"B/bc"
	for (i = 1; i <= n; i++) {
		b = order[i]
		r1 = ratio(t[b, "jit"], t[b, "lua5.4"]); r2 = ratio(t[b, "jit"], t[b, "luajit"])
		r3 = ratio(t[b, "jit"], t[b, "jolt"]); r4 = ratio(m[b, "jit"], m[b, "lua5.4"])
		acc("r1", r1); acc("r2", r2); acc("r3", r3); acc("r4", r4)
		printf "%-10s %7s %7s %7s %7s | %8s %8s %8s | %7s %7s %6s%s | %6s\n", b,
			fmt(t[b, "jit"]), fmt(t[b, "lua5.4"]), fmt(t[b, "luajit"]), fmt(t[b, "jolt"]),
			fmt(r1), fmt(r2), fmt(r3), mb(m[b, "jit"]), mb(m[b, "lua5.4"]),
			fmt(r4), (r4 != "" && r4 > 1.5) ? "!" : " ", (b in bpb) ? bpb[b] : "-"
	}
	printf "%-10s %7s %7s %7s %7s | %8s %8s %8s | %7s %7s %6s  | %6s\n", "geomean", "", "", "", "",
		gm("r1"), gm("r2"), gm("r3"), "", "", gm("r4"), ""
	print "jit/lua, jit/lj, jit/joff: time of jolt -j on over lua5.4, luajit (JIT on) and jolt -j off"
	print "rss jit/lua: peak RSS of jolt -j on over lua5.4 (! = above the 1.5 goal); B/bc: - = no jit: line"
}' "$WORK/jitstats" "$WORK/results"
status=0
grep -qv ' ok$' "$WORK/results" && status=1

if [ "${WARMUP:-1}" != 0 ]; then
	echo
	names_only=()
	for f in "${benches[@]}"; do names_only+=("$(basename "$f" .lua)"); done
	JOLT=$JOLT LUA=$LUA LUAJIT=$LUAJIT tests/bench/warmup.sh "${names_only[@]}" || status=1
fi
if [ "${TRACER:-1}" != 0 ]; then
	echo
	JOLT=$JOLT tests/bench/tracer.sh || status=1
fi
exit $status
