#!/bin/bash
# tracer.sh: what the eBPF warm-up tracer costs the program it watches (`make bench`, as root).
#
# Each benchmark runs through tests/bench/iter.lua under jolt alone and under
# `jolt-warmup --hz 999 -- jolt ...` (USDT probes attached, CPU sampling at 999 Hz), interleaved,
# RUNS times each. The program's own CPU time (the sum of its iterations, os.clock) is compared,
# best run against best run, so the tracer's own start-up (loading its BPF programs) is left out:
# what is measured is the cost inside the traced process. Goal: under 2%.
#
#   tests/bench/tracer.sh [name...]     Environment: RUNS [5], ITERS [benchmark's own]
set -u
cd "$(dirname "$0")/../.." || exit 1
JOLT=${JOLT:-build/bin/jolt}
TRACER=${TRACER:-$(dirname "$JOLT")/jolt-warmup}
RUNS=${RUNS:-5}
ITERS=${ITERS:-}
if [ ! -x "$TRACER" ]; then echo "tracer: $TRACER is not built: skipped"; exit 0; fi
if ! "$TRACER" --check >/dev/null 2>&1; then echo "tracer: this process may not trace (root or CAP_BPF+CAP_PERFMON): skipped"; exit 0; fi
benches=("$@")
[ ${#benches[@]} -eq 0 ] && benches=(fib nbody oop strings)
WORK=$(mktemp -d /tmp/jolt-tracer.XXXXXX) || exit 1
trap 'rm -rf "$WORK"' EXIT

cpu() { awk '$1 == "iter" { s += $3 } END { printf "%.6f", s }' "$1"; }
printf "%-10s %10s %10s %8s\n" benchmark "alone ms" "traced ms" overhead
status=0
for b in "${benches[@]}"; do
	ba="" bt=""
	for ((r = 0; r < RUNS; r++)); do
		# shellcheck disable=SC2086 # ITERS may be empty
		"$JOLT" tests/bench/iter.lua "$b" $ITERS >"$WORK/a" 2>/dev/null || { echo "tracer: $b failed"; status=1; continue 2; }
		# shellcheck disable=SC2086
		"$TRACER" --hz 999 -o "$WORK/report" -- "$JOLT" tests/bench/iter.lua "$b" $ITERS >"$WORK/t" 2>"$WORK/terr" ||
			{ echo "tracer: $b under the tracer failed: $(head -n 2 "$WORK/terr")"; status=1; continue 2; }
		a=$(cpu "$WORK/a") t=$(cpu "$WORK/t")
		[ -z "$ba" ] || awk -v x="$a" -v y="$ba" 'BEGIN { exit !(x < y) }' && ba=$a
		[ -z "$bt" ] || awk -v x="$t" -v y="$bt" 'BEGIN { exit !(x < y) }' && bt=$t
	done
	awk -v b="$b" -v a="$ba" -v t="$bt" 'BEGIN { printf "%-10s %10.1f %10.1f %7.1f%%\n", b, a * 1000, t * 1000, (t / a - 1) * 100 }'
done
echo "overhead: traced over alone, best of $RUNS each (the program's CPU time; goal < 2%)"
exit $status
