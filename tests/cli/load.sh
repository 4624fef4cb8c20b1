#!/bin/bash
# load.sh: jolt-load's kernel paths (issue 6): each page mode forced in turn and checked against
# /proc/self/smaps as reported, hugetlb pages reserved for the test when root (the setting is
# restored), io_uring and read() giving byte-identical regions, O_DIRECT on a dropped page cache,
# a file truncated while it streams refused cleanly, NUMA placement on node 0 and its report.
# Prints TAP; exit 0 if all pass.
set -u
JOLT=${JOLT:-build/bin/jolt}
JOLT=$(realpath "$JOLT")
BIN=$(dirname "$JOLT")
LOAD=$BIN/jolt-load
SNAPT=$BIN/jolt-snap
tmp=$(mktemp -d)
hp_saved=""
cleanup() {
	[ -n "$hp_saved" ] && echo "$hp_saved" >/proc/sys/vm/nr_hugepages
	rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $1"; shift; for l in "$@"; do echo "# $l"; done; }
skip() { n=$((n + 1)); echo "ok $n $1 # SKIP $2"; }
[ -x "$LOAD" ] && [ -x "$SNAPT" ] || { echo "not ok 1 jolt-load and jolt-snap must be built"; exit 1; }

cat >app.lua <<'LUA'
local P = {} P.__index = P
function P.new(x) return setmetatable({x = x, y = x * 2}, P) end
function P:sum() return self.x + self.y end
local s = 0
for i = 1, 20000 do s = s + P.new(i):sum() end
print(s)
LUA
want=$(lua5.4 app.lua)
"$JOLT" --snapshot-out=app.jsnap app.lua >/dev/null 2>&1
# A big one: 24 MiB of synthetic records and code, named for app.lua (nothing of it binds).
"$SNAPT" gen --mib=24 --program=app.lua -o big.jsnap >/dev/null

# run NAME OPTS...: jolt-load with OPTS on big.jsnap, output checked; stderr in err.
run() {
	local name=$1
	shift
	out=$("$LOAD" --verbose "$@" -- app.lua 2>err)
	if [ "$out" != "$want" ]; then
		notok "$name: wrong output" "got '$out'" "$(head -n 5 err)"
		return 1
	fi
	if grep -q "running cold" err; then
		notok "$name: refused" "$(grep 'running cold' err)"
		return 1
	fi
	return 0
}

# 1. Page modes, checked against what smaps said.
if run "pages=small" --pages=small big.jsnap; then
	if grep -q "asked small, got 4 KiB pages (smaps: KernelPageSize 4 kB, huge 0 kB" err; then ok "pages=small: 4 KiB pages by smaps"
	else notok "pages=small: smaps report" "$(grep region err)"; fi
fi
if run "pages=thp" --pages=thp big.jsnap; then
	if grep -qE "asked thp, got (huge|partly huge) pages \(smaps: KernelPageSize 4 kB, huge [1-9][0-9]* kB" err; then
		ok "pages=thp: AnonHugePages in smaps"
	elif grep -q "asked thp, got 4 KiB pages" err; then
		skip "pages=thp: AnonHugePages in smaps" "the kernel gave no transparent huge page now ($(cat /sys/kernel/mm/transparent_hugepage/enabled))"
	else notok "pages=thp: smaps report" "$(grep region err)"; fi
fi
if [ "$(id -u)" = 0 ] && [ -w /proc/sys/vm/nr_hugepages ]; then
	hp_saved=$(cat /proc/sys/vm/nr_hugepages)
	echo $((hp_saved + 16)) >/proc/sys/vm/nr_hugepages
	if [ "$(awk '/HugePages_Free/ { print $2 }' /proc/meminfo)" -ge 13 ]; then
		if run "pages=huge" --pages=huge big.jsnap; then
			if grep -qE "asked huge, got huge pages \(smaps: KernelPageSize 2048 kB, huge [1-9][0-9]* kB" err; then
				ok "pages=huge: hugetlb pages (KernelPageSize 2048 kB) by smaps"
			else notok "pages=huge: smaps report" "$(grep region err)"; fi
		fi
		# Enough huge pages: auto takes them.
		if run "pages=auto" big.jsnap && grep -q "asked huge, got huge pages" err; then ok "pages=auto: hugetlb when reserved"
		else notok "pages=auto with huge pages reserved" "$(grep region err)"; fi
	else
		skip "pages=huge: hugetlb pages" "the kernel gave fewer than 13 huge pages"
		skip "pages=auto: hugetlb when reserved" "the kernel gave fewer than 13 huge pages"
	fi
	echo "$hp_saved" >/proc/sys/vm/nr_hugepages
	hp_saved=""
	# None reserved: huge falls back to THP and says so.
	if [ "$(awk '/HugePages_Free/ { print $2 }' /proc/meminfo)" -lt 13 ]; then
		if run "pages=huge without reserved pages" --pages=huge big.jsnap && grep -q "falling back to THP" err; then
			ok "pages=huge without reserved pages: falls back to THP, reported"
		else notok "pages=huge fallback" "$(grep region err)"; fi
	else
		skip "pages=huge fallback" "huge pages are reserved on this machine outside the test"
	fi
else
	skip "pages=huge: hugetlb pages" "not root: cannot reserve huge pages"
	skip "pages=auto: hugetlb when reserved" "not root"
	skip "pages=huge fallback" "not root"
fi

# 2. io_uring and read() fill byte-identical regions, equal to the file.
for io in uring read; do
	if run "io=$io" --io=$io --dump-region=region.$io big.jsnap; then
		if ! cmp -s region.$io big.jsnap; then notok "io=$io: the region differs from the file"
		elif [ $io = uring ] && ! grep -q "streamed with io_uring" err; then notok "io=uring: not streamed with io_uring" "$(grep streamed err)"
		elif [ $io = read ] && ! grep -q "streamed with read()" err; then notok "io=read: not streamed with read()" "$(grep streamed err)"
		else ok "io=$io: region byte-identical to the file ($(grep -o 'streamed with [^;]*' err))"; fi
	fi
done

# 3. A cold page cache goes O_DIRECT, a hot one buffered.
if [ "$(id -u)" = 0 ] && sync && echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; then
	if run "cold page cache" --io=uring big.jsnap; then
		if grep -q "O_DIRECT" err && ! grep -q "O_DIRECT refused" err; then ok "cold page cache: O_DIRECT reads"
		elif grep -q "O_DIRECT refused" err; then skip "cold page cache: O_DIRECT reads" "$(grep -o 'O_DIRECT refused[^;]*' err)"
		else notok "cold page cache: not O_DIRECT" "$(grep streamed err)"; fi
	fi
else
	skip "cold page cache: O_DIRECT reads" "cannot drop the page cache (not root)"
fi
cat big.jsnap >/dev/null
if run "hot page cache" --io=uring big.jsnap && grep -q "page cache: buffered reads" err; then ok "hot page cache: buffered reads"
else notok "hot page cache: buffered reads" "$(grep streamed err)"; fi

# 4. A file truncated while it streams: refused or loaded, never a crash, always the output.
bad=""
for i in $(seq 12); do
	cp big.jsnap race.jsnap
	( sleep 0.0$((i % 4)); truncate -s $((i * 1500000)) race.jsnap ) &
	out=$("$LOAD" --io=uring race.jsnap -- app.lua 2>race.err)
	rc=$?
	wait
	[ $rc -eq 0 ] && [ "$out" = "$want" ] || bad+="run $i: exit $rc, output '$out': $(head -n 2 race.err)"$'\n'
	grep -qiE "segmentation|abort|sanitizer" race.err && bad+="run $i: $(head -n 2 race.err)"$'\n'
done
if [ -z "$bad" ]; then ok "truncated while streaming: refused cleanly or loaded, right output"
else notok "truncated while streaming" "$bad"; fi

# 5. NUMA: node 0 and auto are bound and reported with the pages' nodes; node 99 is refused
#    with a reason and the program still runs.
if run "numa-node=0" --numa-node=0 app.jsnap; then
	if grep -q "node 0: CPUs and memory policy bound" err && grep -qE "region pages by node: N0=[1-9]" err; then
		ok "numa-node=0: bound, pages on node 0 ($(grep -o 'N0=[0-9]* ([^)]*)' err))"
	elif grep -q "NUMA is not available" err; then skip "numa-node=0" "NUMA is not available here"
	else notok "numa-node=0: report" "$(cat err | head -n 8)"; fi
fi
if run "numa-node=auto" --numa-node=auto app.jsnap && grep -q "(auto: the node of this CPU)" err; then ok "numa-node=auto: the node of the current CPU"
elif grep -q "NUMA is not available" err; then skip "numa-node=auto" "NUMA is not available here"
else notok "numa-node=auto: report" "$(head -n 5 err)"; fi
nodes=$(ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | wc -l)
if [ "$nodes" -ge 2 ]; then
	if run "numa-node=1" --numa-node=1 app.jsnap && grep -qE "region pages by node: N1=[1-9]" err; then ok "numa-node=1: pages on node 1"
	else notok "numa-node=1" "$(grep -E 'node|region' err)"; fi
else
	skip "numa-node=1: pages on the second node" "this machine has $nodes NUMA node(s)"
fi
out=$("$LOAD" --numa-node=99 app.jsnap -- app.lua 2>err)
if [ "$out" = "$want" ] && grep -q "placement left to the kernel" err; then ok "numa-node=99: refused with a reason, the program runs"
else notok "numa-node=99" "$(head -n 3 err)"; fi

# 6. --shared: the first loader populates the node's cache, later ones map it; two of them
#    share its pages; a damaged cache file is removed and the snapshot used; a populater's
#    leftover temporary file is never mapped and is cleaned up.
cachefile() { sed -nE 's/.*shared cache ([^:]*): .*/\1/p' err | head -n 1; }
if run "shared: first" --shared big.jsnap && grep -q "shared cache .*: populated" err; then
	cache=$(cachefile)
	ok "--shared: the first loader populates $cache"
	if run "shared: second" --shared --dump-region=region.shared big.jsnap && grep -q "shared cache .*: hit" err &&
		grep -q "mapped from the shared cache" err && cmp -s region.shared big.jsnap; then
		ok "--shared: the next loader maps it (byte-identical to the snapshot)"
	else notok "--shared: second loader" "$(grep -E 'shared|valid' err)"; fi
	mkdir -p hold
	cat >hold/app.lua <<'LUA'
while not io.open("release") do local t = os.clock() while os.clock() - t < 0.01 do end end
print("held")
LUA
	# (named app.lua like the program the snapshot is of, else it would be refused and unmapped)
	"$LOAD" --shared big.jsnap -- hold/app.lua >/dev/null 2>&1 & p1=$!
	"$LOAD" --shared big.jsnap -- hold/app.lua >/dev/null 2>&1 & p2=$!
	sleep 1
	shared_ok=1 detail=""
	for p in $p1 $p2; do
		priv=$(awk -v f="$cache" '$0 ~ /^[0-9a-f]+-[0-9a-f]+ / { in_ = (index($0, f) > 0) } in_ && /^(Private_Clean|Private_Dirty):/ { s += $2 } in_ && /^Rss:/ { r += $2 } END { print s + 0, r + 0 }' /proc/$p/smaps)
		set -- $priv
		[ "$1" = 0 ] && [ "$2" -gt 0 ] || { shared_ok=0; detail+="pid $p: private $1 kB, rss $2 kB; "; }
	done
	: >release
	wait $p1 $p2
	rm -f release
	if [ $shared_ok = 1 ]; then ok "--shared: two loaders share the cache's pages (no private bytes)"
	else notok "--shared: pages shared" "$detail"; fi
	# Damage the cache in memory: the next loader notices, removes it, uses the snapshot.
	chmod u+w "$cache" && printf '\xff' | dd of="$cache" bs=1 seek=$((1 << 20)) conv=notrunc 2>/dev/null
	if run "shared: damaged" --shared big.jsnap && grep -q "damaged.*removed" err && grep -q ": populated" err &&
		cmp -s "$cache" big.jsnap; then
		ok "--shared: a damaged cache file is removed, the snapshot used and the cache made anew"
	else notok "--shared: damaged cache" "$(grep -E 'shared|running cold' err)"; fi
	rm -f "$cache"
	: >"$cache.tmp.999999"
	if run "shared: stale temporary" --shared big.jsnap && grep -q "populated" err && [ ! -e "$cache.tmp.999999" ]; then
		ok "--shared: a dead populater's temporary file is removed, never mapped"
	else notok "--shared: stale temporary file" "$(grep shared err)" "$(ls "$(dirname "$cache")")"; fi
	# Another snapshot, another cache file.
	run "shared: other snapshot" --shared app.jsnap
	other=$(cachefile)
	if [ -n "$other" ] && [ "$other" != "$cache" ]; then ok "--shared: another snapshot gets its own cache file"
	else notok "--shared: cache names" "'$other' vs '$cache'"; fi
	rm -f "$cache" "$cache.lock" "$other" "$other.lock"
else
	notok "--shared: first loader" "$(grep -E 'shared|running cold' err)"
fi

# 7. Fallbacks, reported: io_uring disabled by the kernel, buffer registration over the
#    memlock limit of an ordinary user.
knob=/proc/sys/kernel/io_uring_disabled
if [ "$(id -u)" = 0 ] && [ -w $knob ]; then
	old=$(cat $knob)
	echo 2 >$knob
	run "io_uring disabled" --io=uring big.jsnap
	echo "$old" >$knob
	if grep -q "streamed with read()" err && grep -q "io_uring refused" err; then ok "io_uring refused by the kernel: read(), reported"
	else notok "io_uring refused" "$(grep streamed err)"; fi
else
	skip "io_uring refused by the kernel" "needs root and $knob"
fi
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 755 "$tmp" && chmod 644 big.jsnap app.lua
	out=$(ulimit -l 64; setpriv --reuid=65534 --regid=65534 --clear-groups "$LOAD" --verbose --io=uring big.jsnap -- app.lua 2>err)
	if [ "$out" = "$want" ] && grep -q "buffer registration refused" err && grep -q "streamed with io_uring" err; then
		ok "buffer registration refused (memlock limit): unregistered io_uring reads, reported"
	else notok "registration refused" "output '$out'" "$(grep -E 'streamed|running cold' err)"; fi
else
	skip "buffer registration refused" "needs root (to run as nobody with a small memlock limit) and setpriv"
fi

# 8. The program starts before the code section is in: functions whose code has not arrived
#    run in the interpreter and are bound when it arrives (--slow-stream makes the device slow).
lua5.4 - >many.lua <<'LUA'
print("local fs = {}")
for i = 1, 1200 do
  print(string.format("fs[%d] = function(x) local s = 0 for j = 1, 30 do s = s + (x * j + %d) %% 7 end return s end", i, i))
end
print("local t = 0 for r = 1, 600 do for i = 1, #fs do t = t + fs[i](r) end end print(t)")
LUA
"$JOLT" -j hot=2,hotloop=20 --snapshot-out=many.jsnap many.lua >/dev/null 2>&1
mwant=$(lua5.4 many.lua)
out=$("$LOAD" --slow-stream=30 --verbose many.jsnap -- --stats many.lua 2>err)
if [ "$out" = "$mwant" ] && grep -q "the code section streams on while the program starts" err &&
	grep -qE "^snapshot: 1201 functions bound \(1201 with code.* [1-9][0-9]* waited for their code" err &&
	grep -q "code arrived, bound" err && grep -q "^jit: 0 functions compiled" err; then
	ok "code streams on: functions wait in the interpreter, then run their code ($(grep -oE '[0-9]+ waited' err))"
else notok "code streaming on" "output '$out' (want $mwant)" "$(grep -E '^snapshot|^jit: [0-9]+ functions|streams on' err)"; fi

# 9. The phases are timed and reported.
run "phases" app.jsnap && grep -qE "phases: validate [0-9.]+ ms, reserve [0-9.]+ ms, stream [0-9.]+ ms, verify [0-9.]+ ms; bind\+parse [0-9.]+ ms; first Lua instruction [0-9.]+ ms after start" err &&
	ok "--verbose times every phase" || notok "--verbose phases" "$(grep phases err)"

echo "1..$n"
[ $fails -eq 0 ]
