#!/bin/bash
# warmup.sh: per-iteration times of the benchmarks, steady state and warm-up (after run.sh's tables).
#
# Each benchmark runs through tests/bench/iter.lua (its work repeated as iterations, each timed
# with os.clock: CPU time) once under jolt -j on, jolt -j off, lua5.4 and luajit, the engines one
# after the other for each benchmark. The last line of every run ("check ...") must equal
# lua5.4's. Per benchmark and engine:
# - steady state: the median of the last third of the iterations;
# - warm at iteration K (the JIT engines): the first iteration from which every iteration lies
#   within 5% (TOLERANCE) of the steady state, isolated outliers aside (one iteration out of the
#   band between two in it, as a collection or a preemption makes; never the last one), and the
#   process CPU time when iteration K started ("T ms after start": start-up and loading included).
#   "never" when fewer than max(3, n/10) iterations at the end stay in the band.
# Printed: steady states, jit/lua5.4 and jit/luajit with geometric means, the warm-up iterations;
# every iteration goes to a CSV file (build/bench/warmup.csv) whose path is printed.
#
# Jump-starts (when jolt-load is built): before its engines run, each benchmark seeds a snapshot
# with one whole run under jolt (and, with jolt-snap, two more seeders merged into one), then
# runs jump-started from it with its code (jump), with the records only (jump-nc, compiled at
# load) and from the merged snapshot (jump-mrg). A second table compares their first iteration
# and their time to steady state with jolt's cold start and luajit's, and counts what the
# jump-started process compiled (0 is the goal when the program is unchanged).
#
#   tests/bench/warmup.sh [name...]     e.g. tests/bench/warmup.sh fib sieve
# Environment: JOLT [build/bin/jolt], LUA [/usr/bin/lua5.4], LUAJIT [luajit], ITERS [each
#   benchmark's own count], TOLERANCE [5, percent], CSV [build/bench/warmup.csv], VERBOSE [0; 1
#   also prints every iteration].
set -u
cd "$(dirname "$0")/../.." || exit 1

JOLT=${JOLT:-build/bin/jolt}
LOAD=${LOAD:-$(dirname "$JOLT")/jolt-load}
SNAPTOOL=${SNAPTOOL:-$(dirname "$JOLT")/jolt-snap}
LUA=${LUA:-/usr/bin/lua5.4}
LUAJIT=${LUAJIT:-luajit}
ITERS=${ITERS:-}
TOLERANCE=${TOLERANCE:-5}
CSV=${CSV:-build/bench/warmup.csv}
WORK=$(mktemp -d /tmp/jolt-warmup.XXXXXX) || exit 1
trap 'rm -rf "$WORK"' EXIT

names=() cmds=()
add() { names+=("$1"); cmds+=("$2"); }
[ -x "$JOLT" ] && add jit "$JOLT -j on"
[ -x "$JOLT" ] && add joff "$JOLT -j off"
[ -x "$LOAD" ] && add jump "$LOAD $WORK/@B@.jsnap -- --stats"
[ -x "$LOAD" ] && add jump-nc "$LOAD --no-code $WORK/@B@.jsnap -- --stats"
[ -x "$LOAD" ] && [ -x "$SNAPTOOL" ] && add jump-mrg "$LOAD $WORK/@B@.mrg.jsnap -- --stats"
[ -x "$LUA" ] && add lua5.4 "$LUA"
command -v "$LUAJIT" >/dev/null 2>&1 && add luajit "$LUAJIT"
ne=${#names[@]}
[ -x "$LUA" ] || { echo "warmup: $LUA is missing: results cannot be checked"; exit 1; }

benches=()
if [ $# -gt 0 ]; then
	for b in "$@"; do benches+=("$(basename "${b%.lua}")"); done
else
	for f in tests/bench/*.lua; do [ "$f" = tests/bench/iter.lua ] || benches+=("$(basename "$f" .lua)"); done
fi

# Samples: "bench engine iteration seconds cumulative-seconds", one line per iteration of a run
# whose check agreed with lua5.4's.
: >"$WORK/samples"
status=0
# seed B: the snapshots the jump engines of benchmark B start from.
seed() {
	[ -x "$LOAD" ] || return 0
	# shellcheck disable=SC2086 # ITERS may be empty
	"$JOLT" --snapshot-out="$WORK/$1.jsnap" tests/bench/iter.lua "$1" $ITERS >/dev/null 2>&1 ||
		echo "warmup: $1: seeding failed"
	[ -x "$SNAPTOOL" ] || return 0
	local k
	for k in 2 3; do
		# shellcheck disable=SC2086
		"$JOLT" --snapshot-out="$WORK/$1.$k.jsnap" tests/bench/iter.lua "$1" $ITERS >/dev/null 2>&1
	done
	"$SNAPTOOL" merge "$WORK/$1.jsnap" "$WORK/$1.2.jsnap" "$WORK/$1.3.jsnap" -o "$WORK/$1.mrg.jsnap" >/dev/null ||
		echo "warmup: $1: merging failed"
}
: >"$WORK/compiles"
for b in "${benches[@]}"; do
	declare -A ok=()
	seed "$b"
	for ((e = 0; e < ne; e++)); do
		# shellcheck disable=SC2086 # a command line: split into words on purpose
		if ! ${cmds[$e]//@B@/$b} tests/bench/iter.lua "$b" $ITERS >"$WORK/out.$e" 2>"$WORK/err.$e"; then
			echo "warmup: $b under ${names[$e]}: FAILED"; head -n 3 "$WORK/err.$e"; status=1
			continue
		fi
		ok[$e]=1
	done
	expected=""
	for ((e = 0; e < ne; e++)); do
		[ "${names[$e]}" = lua5.4 ] && [ -n "${ok[$e]:-}" ] && expected=$(grep '^check ' "$WORK/out.$e")
	done
	for ((e = 0; e < ne; e++)); do
		[ -n "${ok[$e]:-}" ] || continue
		if [ "${names[$e]}" != lua5.4 ] && [ "$(grep '^check ' "$WORK/out.$e")" != "$expected" ]; then
			echo "warmup: $b under ${names[$e]}: DIFFERS ($(grep '^check ' "$WORK/out.$e") vs. $expected)"
			status=1
			continue
		fi
		awk -v b="$b" -v e="${names[$e]}" '$1 == "iter" { print b, e, $2, $3, $4 }' "$WORK/out.$e" >>"$WORK/samples"
		case ${names[$e]} in jump*)
			grep -q '^jolt-load:' "$WORK/err.$e" && { echo "warmup: $b under ${names[$e]}: $(grep '^jolt-load:' "$WORK/err.$e" | head -n 1)"; status=1; }
			sed -n "s/^jit: \([0-9]*\) functions compiled.*/$b ${names[$e]} \1/p" "$WORK/err.$e" >>"$WORK/compiles" ;;
		esac
	done
	unset ok
done

mkdir -p "$(dirname "$CSV")"
{
	echo "benchmark,engine,iteration,seconds,cumulative_seconds"
	tr ' ' , <"$WORK/samples"
} >"$CSV"

awk -v tol="$TOLERANCE" -v verbose="${VERBOSE:-0}" -v csv="$CSV" -v cf="$WORK/compiles" '
function fmt(x) { return x == "" ? "-" : sprintf("%.2f", x) }
function ms(x) { return x == "" ? "-" : sprintf("%.1f", x * 1000) }
function acc(name, x) { if (x != "") { sum[name] += log(x); cnt[name]++ } }
function gm(name) { return cnt[name] ? fmt(exp(sum[name] / cnt[name])) : "-" }
function ratio(a, b) { return (a != "" && b != "" && b > 0) ? a / b : "" }
function inband(x, s) { return x >= s * (1 - tol / 100) && x <= s * (1 + tol / 100) }
# steady(b, e): median of the last third of the iterations; sets warm[b, e] and warmt[b, e].
function steady(b, e,    n, k, i, j, v, tmp, s, K) {
	n = iters[b, e]
	if (n == 0) return ""
	k = int((n + 2) / 3)
	for (i = 1; i <= k; i++) v[i] = x[b, e, n - k + i]
	for (i = 2; i <= k; i++) { tmp = v[i]; for (j = i - 1; j >= 1 && v[j] > tmp; j--) v[j + 1] = v[j]; v[j + 1] = tmp }
	s = (k % 2) ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
	# Walk back from the last iteration while the iterations stay in the band.
	K = n + 1
	for (i = n; i >= 1; i--) {
		if (inband(x[b, e, i], s)) { K = i; continue }
		if (i < n && i > 1 && inband(x[b, e, i + 1], s) && inband(x[b, e, i - 1], s)) continue
		break
	}
	if (n - K + 1 >= (n / 10 > 3 ? n / 10 : 3)) { warm[b, e] = K; warmt[b, e] = c[b, e, K] - x[b, e, K] }
	return s
}
function overhead(b, e, s,    n) { n = iters[b, e]; return (n && s != "") ? c[b, e, n] - n * s : "" }
function haveng(e,    i) { for (i = 1; i <= nb; i++) if (iters[order[i], e]) return 1; return 0 }
function cval(b, e) { return ((b, e) in compiled) ? compiled[b, e] : "-" }
function warmat(b, e) {
	if (!((b, e) in warm)) return sprintf("%-20s", iters[b, e] ? "never" : "-")
	return sprintf("%-20s", sprintf("it %d/%d, %s ms", warm[b, e], iters[b, e], ms(warmt[b, e])))
}
FILENAME == cf { compiled[$1, $2] = $3; next }
{
	if (!($1 in seen)) { seen[$1] = 1; order[++nb] = $1 }
	x[$1, $2, $3] = $4; c[$1, $2, $3] = $5
	if ($3 > iters[$1, $2]) iters[$1, $2] = $3
}
END {
	printf "warm-up: CPU ms per iteration in the steady state (median of the last third of the iterations);\n"
	printf "warm at: the iteration from which the times stay within %s%% of it, and the CPU time when it began\n", tol
	printf "%-10s %8s %8s %8s %8s | %8s %8s | %-20s %-20s\n", "benchmark", "jit", "joff", "lua5.4",
		"luajit", "jit/lua", "jit/lj", "jit warm at", "luajit warm at"
	for (i = 1; i <= nb; i++) {
		b = order[i]
		sj = steady(b, "jit"); so = steady(b, "joff"); sl = steady(b, "lua5.4"); sx = steady(b, "luajit")
		r1 = ratio(sj, sl); r2 = ratio(sj, sx); acc("r1", r1); acc("r2", r2)
		printf "%-10s %8s %8s %8s %8s | %8s %8s | %s %s\n", b, ms(sj), ms(so), ms(sl), ms(sx),
			fmt(r1), fmt(r2), warmat(b, "jit"), warmat(b, "luajit")
	}
	printf "%-10s %8s %8s %8s %8s | %8s %8s |\n", "geomean", "", "", "", "", gm("r1"), gm("r2")
	print "jit/lua, jit/lj: steady-state time of jolt -j on over lua5.4 and luajit (JIT on)"
	if (haveng("jump")) {
		printf "\njump-start: first iteration and time to steady state (CPU ms from process start) per engine\n"
		printf "%-10s %7s | %7s %7s %7s %7s %7s | %7s %7s %7s %7s %7s | %7s %7s | %6s %6s %6s %6s | %5s %5s\n", "benchmark",
			"steady", "1st:jit", "jump", "jump-nc", "mrg", "luajit", "ss:jit", "jump", "jump-nc", "mrg",
			"luajit", "ovh:jit", "jump", "1st/ss", "cold/j", "ovh", "mrg/j", "comp", "nc"
		for (i = 1; i <= nb; i++) {
			b = order[i]
			sj = steady(b, "jit"); sm = steady(b, "jump-mrg"); sjj = steady(b, "jump")
			steady(b, "jump-nc"); steady(b, "luajit")
			f = ratio(x[b, "jump", 1], sj); acc("f", f)
			w = ratio(warmt[b, "jit"], warmt[b, "jump"]); acc("w", w)
			m = ratio(sm, sjj); acc("m", m)
			oj = overhead(b, "jit", sj); oJ = overhead(b, "jump", sj); o = ratio(oj, oJ); acc("o", o)
			printf "%-10s %7s | %7s %7s %7s %7s %7s | %7s %7s %7s %7s %7s | %7s %7s | %6s %6s %6s %6s | %5s %5s\n", b, ms(sj),
				ms(x[b, "jit", 1]), ms(x[b, "jump", 1]), ms(x[b, "jump-nc", 1]), ms(x[b, "jump-mrg", 1]),
				ms(x[b, "luajit", 1]), ms(warmt[b, "jit"]), ms(warmt[b, "jump"]), ms(warmt[b, "jump-nc"]),
				ms(warmt[b, "jump-mrg"]), ms(warmt[b, "luajit"]), ms(oj), ms(oJ), fmt(f), fmt(w), fmt(o), fmt(m),
				cval(b, "jump"), cval(b, "jump-nc")
		}
		printf "%-10s %7s | %39s | %39s | %15s | %6s %6s %6s %6s |\n", "geomean", "", "", "", "", gm("f"), gm("w"), gm("o"), gm("m")
		print "1st: the first iteration; ss: CPU time from process start when the steady state began (- never)"
		print "1st/ss: jump 1st over jit steady (goal <= 1.10); cold/j: ss jit over ss jump (goal >= 20);"
		print "ovh: warm-up overhead, CPU time to the end of the run minus its iterations at jit'"'"'s steady state"
		print "  (start-up, loading, interpreting, compiling); the ovh column is cold over jump-started;"
		print "mrg/j: steady state from the merged snapshot over one seeder'"'"'s (goal <= 1.00, noise ~5%);"
		print "comp, nc: functions compiled by the jump-started process with code (goal 0) and with --no-code"
	}
	print "every iteration: " csv
	if (!verbose) exit
	for (i = 1; i <= nb; i++) {
		b = order[i]
		printf "\n%s: ms per iteration\n%5s %8s %8s %8s %8s\n", b, "iter", "jit", "joff", "lua5.4", "luajit"
		n = 0
		split("jit joff lua5.4 luajit", es, " ")
		for (k = 1; k <= 4; k++) if (iters[b, es[k]] > n) n = iters[b, es[k]]
		for (j = 1; j <= n; j++) {
			line = sprintf("%5d", j)
			for (k = 1; k <= 4; k++) line = line sprintf(" %8s", ((b, es[k], j) in x) ? ms(x[b, es[k], j]) : "-")
			print line
		}
	}
}' "$WORK/compiles" "$WORK/samples"
exit $status
