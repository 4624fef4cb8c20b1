#!/bin/bash
# demo.sh: the jump-start demo (`make demo`): seed a snapshot from a server-like program, then
# run the program cold and jump-started side by side and compare their first iterations.
#
# Each engine runs RUNS times, interleaved (cold, jump, cold, jump, ...), so that a burst of load
# on this shared machine hits both alike, and each iteration's best time over the runs counts.
# Every run's check line must equal lua5.4's.
#
#   tools/demo.sh        Environment: BATCHES [60], RUNS [3], SHOW [12 iterations]
set -u
cd "$(dirname "$0")/.." || exit 1
B=build
PROG=examples/server.lua
BATCHES=${BATCHES:-60}
RUNS=${RUNS:-3}
SHOW=${SHOW:-12}
DIR=$B/demo
mkdir -p "$DIR"
rm -f "$DIR"/*.iters

echo "== 1. seed: one process runs $PROG and writes what it learned"
"$B/bin/jolt" --stats --snapshot-out="$DIR/server.jsnap" "$PROG" "$BATCHES" >"$DIR/seed.out" 2>"$DIR/seed.err" || {
	echo "demo: the seeding run failed:"; cat "$DIR/seed.err"; exit 1; }
grep -E "^jit: [0-9]+ functions compiled" "$DIR/seed.err"
echo "   snapshot: $DIR/server.jsnap, $(stat -c %s "$DIR/server.jsnap") bytes"
[ -x "$B/bin/jolt-snap" ] && "$B/bin/jolt-snap" verify "$DIR/server.jsnap"

expected=$(grep '^check ' "$DIR/seed.out")
if command -v lua5.4 >/dev/null 2>&1; then
	ref=$(lua5.4 "$PROG" "$BATCHES" | grep '^check ')
	[ "$ref" = "$expected" ] || { echo "demo: jolt's result '$expected' differs from lua5.4's '$ref'"; exit 1; }
fi

echo "== 2. run it cold and jump-started, $RUNS times each, interleaved"
engines=(cold jump)
run() {
	case $1 in
	cold) "$B/bin/jolt" "$PROG" "$BATCHES" ;;
	jump) "$B/bin/jolt-load" "$DIR/server.jsnap" -- --stats "$PROG" "$BATCHES" 2>"$DIR/jump.err" ;;
	esac
}
for ((r = 1; r <= RUNS; r++)); do
	for e in "${engines[@]}"; do
		run "$e" >"$DIR/$e.out" || { echo "demo: the $e run failed"; exit 1; }
		[ "$(grep '^check ' "$DIR/$e.out")" = "$expected" ] || { echo "demo: the $e run printed a wrong result"; exit 1; }
		awk -v e="$e" '$1 == "iter" { print e, $2, $3 }' "$DIR/$e.out" >>"$DIR/all.iters"
	done
done
grep '^jolt-load:' "$DIR/jump.err" && { echo "demo: the snapshot was refused"; exit 1; }
grep -E "^snapshot:|^jit: [0-9]+ functions (compiled|loaded)" "$DIR/jump.err" | sed 's/^/   jump-started: /'

echo "== 3. per-iteration CPU time (best of $RUNS runs), ms"
awk -v show="$SHOW" '
{ k = $1 SUBSEP $2; if (!(k in t) || $3 < t[k]) t[k] = $3; if ($2 > n) n = $2 }
function median_tail(e,    i, m, v, j, tmp) {
	m = 0
	for (i = n - int(n / 3) + 1; i <= n; i++) v[++m] = t[e, i]
	for (i = 2; i <= m; i++) { tmp = v[i]; for (j = i - 1; j >= 1 && v[j] > tmp; j--) v[j + 1] = v[j]; v[j + 1] = tmp }
	return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
}
END {
	printf "   %4s %9s %9s %10s\n", "iter", "cold", "jump", "cold/jump"
	for (i = 1; i <= show && i <= n; i++)
		printf "   %4d %9.3f %9.3f %10.2f\n", i, t["cold", i] * 1000, t["jump", i] * 1000, t["cold", i] / t["jump", i]
	for (i = 1; i <= 10 && i <= n; i++) { c10 += t["cold", i]; j10 += t["jump", i] }
	sc = median_tail("cold"); sj = median_tail("jump")
	printf "   first 10 iterations: cold %.2f ms, jump-started %.2f ms: %.2fx\n", c10 * 1000, j10 * 1000, c10 / j10
	printf "   steady state (median of the last third): cold %.3f ms, jump-started %.3f ms\n", sc * 1000, sj * 1000
	printf "   first jump-started iteration / cold steady state: %.2f\n", t["jump", 1] / sc
}' "$DIR/all.iters"
