#!/bin/bash
# insns.sh: warm-up in instructions, cold against jump-started, immune to a noisy machine.
#
# valgrind's callgrind counts the instructions a run executes (the same count every time for the
# same binary and input). Running a program for 0, 1, 2, ... K iterations gives, by difference,
# the instructions of each iteration: start-up (iteration 0), the warm-up, and the steady state
# (the median of the last three). Printed per engine (jolt cold, jump-started with code, with
# --no-code): start-up, the first iterations, steady, the first iteration over steady, the
# warm-up overhead (start-up plus everything above steady, over K iterations) and the
# instructions until the first iteration within 5% of steady begins ("to steady").
#
#   tests/bench/insns.sh [PROGRAM [K]]     default: examples/server.lua 10
# PROGRAM takes its iteration count as its first argument (server.lua does; for a benchmark use
# tests/bench/iter.lua NAME, e.g. `tests/bench/insns.sh "tests/bench/iter.lua nbody" 8`).
set -u
cd "$(dirname "$0")/../.." || exit 1
PROG=${1:-examples/server.lua}
K=${2:-10}
B=build/bin
command -v valgrind >/dev/null || { echo "insns: valgrind is missing"; exit 1; }
WORK=$(mktemp -d /tmp/jolt-insns.XXXXXX) || exit 1
trap 'rm -rf "$WORK"' EXIT

# shellcheck disable=SC2086 # PROG may be a script and its first arguments
"$B/jolt" --snapshot-out="$WORK/p.jsnap" $PROG $((K * 2)) >/dev/null 2>&1 || { echo "insns: seeding failed"; exit 1; }

count() {   # count ENGINE N: instructions of a run of N iterations
	local cmd
	case $1 in
	cold) cmd="$B/jolt" ;;
	jump) cmd="$B/jolt-load $WORK/p.jsnap --" ;;
	nocode) cmd="$B/jolt-load --no-code $WORK/p.jsnap --" ;;
	esac
	# shellcheck disable=SC2086
	valgrind --tool=callgrind --callgrind-out-file=/dev/null $cmd $PROG "$2" 2>&1 >/dev/null |
		sed -nE 's/.*Collected : ([0-9]+).*/\1/p'
}

echo "$PROG: instructions per iteration (millions), by callgrind"
printf "%-7s %8s | %s | %8s %7s %9s %9s\n" engine start-up "$(for i in 1 2 3 4 5 6; do printf '%7s ' it$i; done)" steady 1st/ss overhead "to steady"
for e in cold jump nocode; do
	prev=$(count $e 0)
	line=() it=()
	for ((i = 1; i <= K; i++)); do
		c=$(count $e $i)
		it+=($((c - prev)))
		prev=$c
	done
	start=$(count $e 0)
	printf '%s\n' "${it[@]}" | awk -v e=$e -v s="$start" -v k=$K '
		{ v[NR] = $1 }
		END {
			a[1] = v[k]; a[2] = v[k - 1]; a[3] = v[k - 2]
			for (i = 1; i <= 3; i++) for (j = i + 1; j <= 3; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
			ss = a[2]; over = s; first = 0
			for (i = 1; i <= k; i++) { if (v[i] > ss) over += v[i] - ss }
			tos = s; for (i = 1; i <= k && v[i] > ss * 1.05; i++) tos += v[i]
			line = ""
			for (i = 1; i <= 6 && i <= k; i++) line = line sprintf("%7.2f ", v[i] / 1e6)
			printf "%-7s %8.2f | %s | %8.2f %7.2f %9.2f %9.2f\n", e, s / 1e6, line, ss / 1e6, v[1] / ss, over / 1e6, tos / 1e6
		}'
done
echo "overhead: start-up + instructions above steady over the iterations; to steady: start-up + the"
echo "iterations before the first within 5% of steady (both millions of instructions)"
