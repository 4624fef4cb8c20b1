#!/bin/bash
# loader.sh: jolt-load against the limits of the device and of memory (`make bench-loader`).
#
# Snapshots of 1, 16, 64 and 256 MiB are generated (jolt-snap gen: synthetic records and code,
# named for a one-line program, so the loader does all its work and the program runs cold).
# For each size, page cache cold (dropped before every run; root only) and hot:
#   dd        dd iflag=direct bs=4M: the device limit (cold rows)
#   read      read() into a buffer faulted in beforehand: the memory limit of a copy out of
#             the page cache (hot rows)
#   readnew   read() into fresh memory (a naive loader, first touch included)
#   mmap      mmap and touch every page (no copy at all)
#   stream    jolt-load's streaming phase (io_uring, checksums verified as sections land)
#   load      jolt-load's reserve + stream phases (the region faulted in, then filled)
#   first     jolt-load from its start to the program's first Lua instruction
# (all with --stream-all: the code section is read before the program starts, not after)
# in GB/s (first: ms), the best of RUNS runs. Ratios: stream over dd (cold, goal >= 0.90),
# stream over read (hot, goal >= 0.70), first over the time readnew takes (64 MiB, goal <= 2).
#
#   tests/bench/loader.sh        Environment: RUNS [3], SIZES ["1 16 64 256"], IO [uring]
set -u
cd "$(dirname "$0")/../.." || exit 1
B=build
LOAD=$B/bin/jolt-load
SNAPT=$B/bin/jolt-snap
PEER=$B/bench/loadpeer
RUNS=${RUNS:-3}
SIZES=${SIZES:-1 16 64 256}
IO=${IO:-uring}
WORK=$(mktemp -d /var/tmp/jolt-loadbench.XXXXXX) || exit 1
trap 'rm -rf "$WORK"' EXIT
for x in "$LOAD" "$SNAPT" "$PEER"; do [ -x "$x" ] || { echo "bench-loader: $x is not built"; exit 1; }; done
echo 'local x = 1' >"$WORK/app.lua"

cancold=0
[ "$(id -u)" = 0 ] && sync && echo 3 >/proc/sys/vm/drop_caches 2>/dev/null && cancold=1
drop() { [ "$1" = cold ] && { sync; echo 3 >/proc/sys/vm/drop_caches; }; [ "$1" = hot ] && cat "$2" >/dev/null; }

# best METHOD CACHE FILE: the best seconds of RUNS runs of one measurement.
best() {
	local m=$1 cache=$2 f=$3 r t b=""
	for ((r = 0; r < RUNS; r++)); do
		drop "$cache" "$f"
		case $m in
		dd) t=$(dd if="$f" of=/dev/null bs=4M iflag=direct 2>&1 | sed -nE 's/.* copied, ([0-9.e-]+) s,.*/\1/p') ;;
		stream | load | first)
			"$LOAD" --verbose --stream-all --io="$IO" "$f" -- "$WORK/app.lua" 2>"$WORK/err" >/dev/null
			t=$(awk -v m="$m" '/phases:/ {
				for (i = 1; i <= NF; i++) { v[$i] = $(i + 1) }
				if (m == "stream") print v["stream"] / 1000
				else if (m == "load") print (v["reserve"] + v["stream"]) / 1000
				else { for (i = 1; i <= NF; i++) if ($i == "instruction") print $(i + 1) / 1000 }
			}' "$WORK/err") ;;
		*) t=$("$PEER" "$m" "$f" | awk '{ print $3 }') ;;
		esac
		[ -n "$t" ] && { [ -z "$b" ] || awk -v a="$t" -v b="$b" 'BEGIN { exit !(a < b) }'; } && b=$t
	done
	echo "${b:--}"
}

gbs() { awk -v n="$1" -v t="$2" 'BEGIN { if (t == "-" || t <= 0) print "-"; else printf "%.2f", n / t / 1e9 }'; }
rat() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b <= 0) print "-"; else printf "%.2f", a / b }'; }

printf "%-6s %-5s | %7s %7s %7s %7s %7s %7s | %8s | %6s %6s %6s\n" size cache dd read readnew mmap \
	stream load "first ms" "st/dd" "st/rd" "1st/rn"
for s in $SIZES; do
	f=$WORK/s$s.jsnap
	"$SNAPT" gen --mib="$s" --program=app.lua -o "$f" >/dev/null || { echo "bench-loader: gen failed"; exit 1; }
	n=$(stat -c %s "$f")
	for cache in cold hot; do
		if [ $cache = cold ] && [ $cancold = 0 ]; then
			printf "%-6s %-5s | %s\n" "${s}M" cold "skipped: dropping the page cache needs root"
			continue
		fi
		tdd=$(best dd $cache "$f"); trd=$(best read $cache "$f"); trn=$(best readnew $cache "$f")
		tmm=$(best mmap $cache "$f"); tst=$(best stream $cache "$f"); tld=$(best load $cache "$f")
		tfi=$(best first $cache "$f")
		r1=-; [ $cache = cold ] && r1=$(rat "$(gbs "$n" "$tst")" "$(gbs "$n" "$tdd")")
		r2=-; [ $cache = hot ] && r2=$(rat "$(gbs "$n" "$tst")" "$(gbs "$n" "$trd")")
		printf "%-6s %-5s | %7s %7s %7s %7s %7s %7s | %8s | %6s %6s %6s\n" "${s}M" $cache \
			"$(gbs "$n" "$tdd")" "$(gbs "$n" "$trd")" "$(gbs "$n" "$trn")" "$(gbs "$n" "$tmm")" \
			"$(gbs "$n" "$tst")" "$(gbs "$n" "$tld")" \
			"$(awk -v t="$tfi" 'BEGIN { if (t == "-") print "-"; else printf "%.1f", t * 1000 }')" \
			"$r1" "$r2" "$(rat "$tfi" "$trn")"
	done
	rm -f "$f"
done
echo "memcpy of 64 MiB between faulted-in buffers: $(gbs $((64 << 20)) "$(dd if=/dev/zero of="$WORK/z" bs=1M count=64 2>/dev/null; "$PEER" memcpy "$WORK/z" | awk '{ print $3 }')") GB/s"
echo "GB/s per method (first: ms to the first Lua instruction); st/dd: stream over the device limit (goal >= 0.90);"
echo "st/rd: stream over read() from the page cache (goal >= 0.70); 1st/rn: first over the time readnew takes (goal <= 2 at 64 MiB)"
