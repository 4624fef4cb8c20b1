#!/bin/bash
# snap_bad.sh: jolt-load refuses bad snapshots cleanly. Every case runs the program from a
# broken snapshot and checks that jolt-load exits 0, prints the program's normal output, says
# why in one line on stderr ("jolt-load: F: <why>: running cold", or "...: profile records
# only" when only the code is unusable) and shows no crash or sanitizer report. Cases: cuts at
# every section boundary and at random offsets, every header field and section table entry
# changed (with and without the header checksum fixed, by snap_patch.lua), random byte flips,
# swapped sections, another program's snapshot, a changed program, files that are no snapshot
# (empty, directory, unreadable, missing, FIFO), --max-age, --or-seed, a full disk under the
# writer, and two seeders racing a reader. All of it runs with build/bin's jolt and jolt-load
# and, at the same time (suites in parallel keep this well under the runner's 30 s), with the
# ASan build's when it is there. TAP; exit 0 if all pass. SEED=N repeats a run's random choices.
set -u
JOLT=${JOLT:-build/bin/jolt}
JOLT=$(realpath "$JOLT")
LOAD=$(dirname "$JOLT")/jolt-load
ASAN_BIN=$(realpath -m "$(dirname "$JOLT")/../asan/bin")
LUA=${LUA:-/usr/bin/lua5.4}
PATCH=$(realpath "$(dirname "$0")/snap_patch.lua")
SEED=${SEED:-$(date +%s)}
[ -x "$LUA" ] || { echo "no $LUA to run snap_patch.lua"; exit 4; }
[ -x "$LOAD" ] || { echo "not ok 1 $LOAD is not built (make)"; echo "1..1"; exit 1; }

tmp=$(mktemp -d)
cleanup() {
	local m
	jobs -p | xargs -r kill 2>/dev/null
	wait
	for m in "$tmp"/*/full; do mountpoint -q "$m" 2>/dev/null && umount "$m"; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' TERM INT   # the runner's timeout: still unmount and clean up
chmod 755 "$tmp"   # the unreadable-file case runs jolt-load as nobody, who must reach the files
cd "$tmp" || exit 1

# Suites print unnumbered TAP lines; the end numbers them.
ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; }
skip() { echo "ok - $1 # SKIP $2"; }
diag() { head -n 20 | sed 's/^/# /'; }
patch() { "$LUA" "$PATCH" "$@"; }

# -- One run from a snapshot -------------------------------------------------------------------

# try MODE ERE SNAP [jolt-load options]: run "jolt-load [options] SNAP -- app.lua" with $AS in
# front of it (another user) and check it. MODE: cold (one refusal line matching ERE), records
# (code refused: one "profile records only" line matching ERE), accept (no such line; ERE, when
# not empty, must match some line of stderr). Without --verbose stderr must hold just that line.
# What went wrong is added to $bad (one line per failed run); returns 1 then. Only builtins
# besides the run itself, as this runs about four hundred times per suite.
T=10
AS=()
CRASH='Segmentation|Aborted|core dumped|Sanitizer|runtime error|^==[0-9]+=='
try() {
	local mode=$1 ere=$2 snap=$3 msg="" rc got="" line refusal=0 records=0 rline="" pline="" matched=0
	local -a err
	shift 3
	"${AS[@]}" timeout -k 1 "$T" "$L" "$@" "$snap" -- app.lua >run.out 2>run.err </dev/null
	rc=$?
	[ $rc -eq 0 ] || msg="exit status $rc"
	IFS= read -rd '' got <run.out
	[ "$got" = "$REFTEXT" ] || msg="$msg; wrong stdout"
	mapfile -t err <run.err
	for line in "${err[@]}"; do
		[[ $line =~ $CRASH ]] && msg="$msg; crash report"
		[[ $line == *": running cold" ]] && refusal=$((refusal + 1)) rline=$line
		[[ $line == *": profile records only" ]] && records=$((records + 1)) pline=$line
		[[ -n $ere && $line =~ $ere ]] && matched=1
	done
	case $mode in
	cold)
		[[ $refusal -eq 1 && $rline =~ $ere ]] || msg="$msg; no refusal matching /$ere/"
		[ $records -eq 0 ] || msg="$msg; a 'profile records only' line too"
		;;
	records)
		[[ $records -eq 1 && $pline =~ $ere ]] || msg="$msg; no 'profile records only' line matching /$ere/"
		[ $refusal -eq 0 ] || msg="$msg; refused"
		;;
	accept)
		[ $refusal -eq 0 ] && [ $records -eq 0 ] || msg="$msg; refused"
		[ -z "$ere" ] || [ $matched -eq 1 ] || msg="$msg; nothing on stderr matches /$ere/"
		;;
	esac
	case " $* " in
	*" --verbose "*) ;;
	*) [ "$mode" = accept ] && [ ${#err[@]} -ne 0 ] && msg="$msg; stderr not empty"
	   [ "$mode" != accept ] && [ ${#err[@]} -ne 1 ] && msg="$msg; ${#err[@]} lines on stderr" ;;
	esac
	[ -z "$msg" ] && return 0
	local IFS='|'
	bad+="$snap ($mode${ere:+ /$ere/}): ${msg#; }; stderr: ${err[*]:0:4}"$'\n'
	return 1
}

# report NAME: one TAP line for the runs since $bad was emptied.
report() {
	if [ -z "$bad" ]; then ok "$1"; else notok "$1"; printf '%s' "$bad" | diag; fi
	bad=""
}

# rnd N: a random number in 0..N-1 (N up to 2^30) in $R (no subshell: it would reseed RANDOM).
rnd() { R=$(((RANDOM * 32768 + RANDOM) % $1)); }

# -- The cases ---------------------------------------------------------------------------------

case_good() {
	try accept "profile record and code" good.jsnap --verbose
	report "$1: the good snapshot is accepted and its code used"
}

write_programs() {
	cat >app.lua <<'LUA'
-- Tables with fields (shapes), method calls (call sites) and hot loops (compiled code).
local Point = {}
Point.__index = Point
function Point.new(x, y) return setmetatable({x = x, y = y}, Point) end
function Point:add(o) return Point.new(self.x + o.x, self.y + o.y) end
function Point:norm1() return math.abs(self.x) + math.abs(self.y) end

local function accumulate(n)
  local acc = Point.new(0, 0)
  for i = 1, n do acc = acc:add(Point.new(i % 7, -(i % 5))) end
  return acc
end

local function words()
  local t = {}
  for i = 1, 50 do t[#t + 1] = {name = "w" .. i, len = i % 9} end
  local total = 0
  for _, w in ipairs(t) do total = total + w.len end
  return total
end

local p = accumulate(3000)
print("point", p.x, p.y, p:norm1())
print("words", words())
local s = 0
for i = 1, 20000 do s = s + (i * 3) % 11 end
print("sum", s)
LUA
	cp app.lua other.lua
	mkdir -p changed
	sed 's/return math.abs(self.x) + math.abs(self.y)/return math.abs(self.y) + math.abs(self.x)/' \
		app.lua >changed/app.lua
}

# The section table of good.jsnap: SNAME, SOFF and SSIZE by index, and NEED, the end of the last
# section's bytes (the padding after it is no section's).
read_sections() {
	local i kind name off size
	SNAME=() SOFF=() SSIZE=() NEED=0
	while read -r i kind name off size; do
		SNAME[i]=$name SOFF[i]=$off SSIZE[i]=$size
		[ $((off + size)) -gt $NEED ] && NEED=$((off + size))
	done < <(patch good.jsnap sections)
}

# offset_of NAME: the file offset of section NAME in $R.
offset_of() {
	local i
	for i in "${!SNAME[@]}"; do [ "${SNAME[i]}" = "$1" ] && R=${SOFF[i]}; done
}

case_truncated() {
	local size b i
	size=$(stat -c %s good.jsnap)
	for b in $(for i in "${!SOFF[@]}"; do echo "${SOFF[i]}" $((SOFF[i] + SSIZE[i])); done | tr ' ' '\n' | sort -nu); do
		[ "$b" -ge "$size" ] && continue
		head -c "$b" good.jsnap >cut.jsnap
		if [ "$b" -lt "$NEED" ]; then try cold "truncated" cut.jsnap
		else try accept "" cut.jsnap; fi   # only padding cut off: nothing of it is needed
	done
	report "$1: cut at every section boundary (refused while a section is cut: truncated)"
	for i in $(seq 20); do
		rnd $((NEED - 16))
		b=$((16 + R))
		head -c "$b" good.jsnap >cut.jsnap
		try cold "truncated" cut.jsnap || bad+="  (cut at $b)"$'\n'
	done
	for b in 1 8 15; do   # too short to hold the format: not taken for a snapshot at all
		head -c "$b" good.jsnap >cut.jsnap
		try cold "not a jolt snapshot|truncated" cut.jsnap
	done
	report "$1: cut at 20 random offsets (truncated) and within the magic"
}

# The edits of the header, "EDIT|MODE|ERE": what jolt-load must do with the header checksum fixed.
header_edits() {
	cat <<EOF
magic=JOLTSNAQ|cold|not a jolt snapshot
format+=1|cold|snapshot format [0-9]+, this jolt reads format
header_size=8192|cold|bad header size
build_id=0123456789abcdef0123456789abcdef|records|built by another jolt
bcid+=1|cold|another bytecode
records+=1|cold|record format 2
cpu_have^=1|accept|
cpu_need=-1|records|CPU lacks features
created=0|accept|
seeders+=1|accept|
nsections=17|cold|bad section count 17
nsections+=-1|cold|code sections incomplete
nsections=3|cold|section sites missing
samples+=1|accept|
program_hash^=1|accept|
program=other.lua|cold|a snapshot of another program
flags^=1|cold|code flag disagrees
flags^=2|accept|
s0.size=0x100000000|cold|section strings too large
EOF
	local i name
	for i in "${!SNAME[@]}"; do
		name=${SNAME[i]}
		echo "s$i.kind=99|cold|section $i has unknown kind 99"
		echo "s$i.kind=$((i == 0 ? 2 : 1))|cold|section [a-z]+(: [0-9]+ bytes for| appears twice| at bad offset)"
		echo "s$i.offset+=1|cold|section $name at bad offset"
		echo "s$i.size+=1|cold|section"
		echo "s$i.crc^=1|cold|section $name checksum mismatch"
		# The code section counts bytes, which its size already says: nothing reads its count.
		if [ "$name" = code ]; then echo "s$i.count+=1|accept|"
		else echo "s$i.count+=1|cold|section $name"; fi
		echo "s$i.flags^=1|accept|"
	done
}

case_header() {
	local edit mode ere
	while IFS='|' read -r edit mode ere; do
		patch good.jsnap set --nocrc --out h.jsnap "$edit"
		case $edit in
		magic* | format* | header_size*) try cold "$ere" h.jsnap ;;   # checked before the checksum
		*) try cold "header checksum mismatch" h.jsnap ;;
		esac || bad+="  (edit $edit without the checksum fixed)"$'\n'
	done < <(header_edits)
	report "$1: every header field and section entry changed, checksum not fixed: refused"
	while IFS='|' read -r edit mode ere; do
		patch good.jsnap set --out h.jsnap "$edit"
		try "$mode" "$ere" h.jsnap || bad+="  (edit $edit)"$'\n'
	done < <(header_edits)
	report "$1: every header field and section entry changed, checksum fixed: its own reason"
	# The code refused, the records still used: functions bound and compiled from them.
	patch good.jsnap set --out h.jsnap build_id=0123456789abcdef0123456789abcdef
	try records "built by another jolt" h.jsnap --verbose &&
		{ grep -q "compiled from it\|: profile record\$" run.err || bad+="records not used"$'\n'; }
	patch good.jsnap set --out h.jsnap program_hash^=1
	try accept "the program changed since the snapshot" h.jsnap --verbose
	report "$1: another build's snapshot still gives its records; a program hash is only noted"
}

# insection OFF: whether byte OFF belongs to some section.
insection() {
	local i
	for i in "${!SOFF[@]}"; do
		[ "$1" -ge "${SOFF[i]}" ] && [ "$1" -lt $((SOFF[i] + SSIZE[i])) ] && return 0
	done
	return 1
}

case_flips() {
	local size i off x nref=0 nacc=0
	size=$(stat -c %s good.jsnap)
	for i in $(seq 200); do
		rnd "$size"; off=$R
		rnd 255; x=$((R + 1))
		patch good.jsnap flip --out f.jsnap "$off" "$x"
		# A flip in the header page or in a section's bytes breaks a checksum (or the magic,
		# format or header size, checked first); one in padding changes nothing used.
		if [ "$off" -lt 4096 ]; then
			try cold "not a jolt snapshot|format|header size|header checksum mismatch" f.jsnap
			nref=$((nref + 1))
		elif insection "$off"; then
			try cold "section [a-z]+ checksum mismatch" f.jsnap
			nref=$((nref + 1))
		else
			try accept "" f.jsnap
			nacc=$((nacc + 1))
		fi || bad+="  (byte $off xor $x)"$'\n'
	done
	report "$1: 200 random byte flips ($nref refused by a checksum, $nacc in padding)"
}

case_swap() {
	local a b
	offset_of strings; a=$((R / 4096))
	offset_of sites; b=$((R / 4096))
	cp good.jsnap sw.jsnap
	dd if=good.jsnap of=sw.jsnap bs=4096 skip="$a" seek="$b" count=1 conv=notrunc status=none
	dd if=good.jsnap of=sw.jsnap bs=4096 skip="$b" seek="$a" count=1 conv=notrunc status=none
	try cold "section [a-z]+ checksum mismatch" sw.jsnap
	report "$1: two sections' pages swapped: checksum mismatch"
}

case_programs() {
	"$J" -j hot=2,hotloop=20 --snapshot-out=other.jsnap other.lua >/dev/null 2>&1
	try cold "a snapshot of another program \\(other.lua, not app.lua\\)" other.jsnap
	report "$1: another program's snapshot: another program"
	(
		cd changed || exit 1
		"$J" app.lua >ref.out 2>/dev/null
		IFS= read -rd '' REFTEXT <ref.out
		try accept "" ../good.jsnap
		try accept "app.lua:6 \\(fid [0-9a-f]+\\): no record \\(new or changed\\)" ../good.jsnap --verbose &&
			{ grep -q "program changed since the snapshot" run.err || bad+="no 'program changed' note"$'\n'; }
		printf '%s' "$bad" >../changed.bad
	)
	bad=$(cat changed.bad)
	[ -n "$bad" ] && bad+=$'\n'
	report "$1: a changed program: accepted; --verbose names the function without a record"
}

# The unreadable file: root's open() ignores the mode, so root runs that case as nobody.
as_other_user() {
	AS=()
	[ "$(id -u)" -ne 0 ] && return 0
	if setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
		AS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	elif su nobody -s /bin/sh -c true 2>/dev/null; then
		AS=(su nobody -s /bin/sh -c 'exec "$0" "$@"')
	else
		return 1
	fi
}

case_files() {
	: >empty.jsnap
	try cold "empty file" empty.jsnap
	mkdir -p dir.jsnap
	try cold "is a directory" dir.jsnap
	try cold "cannot open: No such file" missing.jsnap
	rm -f fifo.jsnap
	mkfifo fifo.jsnap
	T=2 try cold "not a regular file" fifo.jsnap   # opened without O_NONBLOCK it never returns
	report "$1: empty file, directory, missing file, FIFO: refused with the reason"
	cp good.jsnap noperm.jsnap
	chmod 000 noperm.jsnap
	if as_other_user; then
		try cold "cannot open: Permission denied" noperm.jsnap
		AS=()
		report "$1: unreadable file: cannot open: Permission denied"
	else
		skip "$1: unreadable file" "root cannot run jolt-load as another user here (setpriv and su failed)"
	fi
}

case_max_age() {
	patch good.jsnap set --out old.jsnap created+=-36000
	try cold "stale: written 1[0-9]\\.[0-9] hours ago \\(--max-age=1\\)" old.jsnap --max-age=1
	try accept "" old.jsnap --max-age=100
	try accept "" good.jsnap --max-age=1
	report "$1: --max-age: 10 hours old is stale under --max-age=1, fine under 100"
}

case_or_seed() {
	offset_of funcs
	patch good.jsnap flip --out seed.jsnap $((R + 3)) 0x40
	try cold "section funcs checksum mismatch" seed.jsnap --or-seed
	cmp -s good.jsnap seed.jsnap && bad+="--or-seed left the corrupt file"$'\n'
	ls seed.jsnap.tmp.* >/dev/null 2>&1 && bad+="--or-seed left a temporary file"$'\n'
	try accept "" seed.jsnap
	report "$1: --or-seed on a corrupt snapshot writes a fresh one that is then accepted"
}

case_full_disk() {
	local rc left mnt=$PWD/full
	if [ "$(id -u)" -ne 0 ]; then skip "$1: full disk" "not root: cannot mount a small tmpfs"; return; fi
	mkdir -p "$mnt"
	if ! mount -t tmpfs -o size=64k tmpfs "$mnt" 2>mount.err; then
		skip "$1: full disk" "mount -t tmpfs not permitted: $(head -n 1 mount.err)"
		return
	fi
	dd if=/dev/zero of="$mnt/fill" bs=4096 status=none 2>/dev/null
	"$J" -j hot=2,hotloop=20 --snapshot-out="$mnt/app.jsnap" app.lua >run.out 2>run.err </dev/null
	rc=$?
	[ $rc -eq 1 ] || bad+="exit status $rc, expected 1"$'\n'
	cmp -s run.out ref.out || bad+="wrong stdout"$'\n'
	grep -q "snapshot not written.*No space left" run.err ||
		bad+="no 'snapshot not written ... No space left': $(head -n 2 run.err)"$'\n'
	grep -qE "$CRASH" run.err && bad+="crash report"$'\n'
	left=$(ls -A "$mnt" | grep -v '^fill$')
	[ -z "$left" ] && [ -e "$mnt/fill" ] || bad+="files left on the full disk: $left"$'\n'
	umount "$mnt" || bad+="cannot unmount $mnt"$'\n'
	report "$1: full disk: output right, 'snapshot not written: No space left', exit 1, nothing left"
}

# Two seeders write one path ten times each while a reader keeps starting from it: the reader
# may find no file yet, but never a torn one (the writer renames a complete file into place).
case_race() {
	local p=race/app.jsnap runs=0 used=0 pid1 pid2
	rm -rf race && mkdir race
	seeder() {
		local i
		for i in $(seq 10); do
			"$J" -j hot=2,hotloop=20 --snapshot-out="$p" app.lua >/dev/null 2>>race/seed.err </dev/null
		done
	}
	seeder & pid1=$!
	seeder & pid2=$!
	while { kill -0 "$pid1" || kill -0 "$pid2"; } 2>/dev/null || [ $runs -lt 5 ]; do
		"$L" --verbose "$p" -- app.lua >race.out 2>race.err </dev/null
		runs=$((runs + 1))
		cmp -s race.out ref.out || bad+="reader run $runs: wrong stdout"$'\n'
		if grep -E ": running cold\$|: profile records only\$" race.err | grep -qv "cannot open"; then
			bad+="reader run $runs: $(grep -E 'running cold$|records only$' race.err | head -n 1)"$'\n'
		fi
		grep -qE "$CRASH" race.err && bad+="reader run $runs: crash report"$'\n'
		grep -q ": valid, " race.err && used=$((used + 1))
	done
	wait "$pid1" "$pid2"
	[ -s race/seed.err ] && bad+="seeders: $(head -n 2 race/seed.err)"$'\n'
	ls race/*.tmp.* >/dev/null 2>&1 && bad+="temporary files left: $(ls race)"$'\n'
	patch "$p" checkcrc || bad+="the final snapshot is broken"$'\n'
	[ $used -gt 0 ] || bad+="no reader run found a snapshot: nothing was tested"$'\n'
	report "$1: two seeders racing a reader ($runs reader runs, $used from a snapshot): never a torn file"
}

# suite NAME BIN WORKDIR CASE...: the cases with BIN/jolt and BIN/jolt-load, in WORKDIR (its
# own, so that suites can run at the same time), each from the same seeded snapshot.
suite() {
	local name=$1 c
	J=$2/jolt L=$2/jolt-load bad=""
	RANDOM=$SEED
	mkdir -p "$tmp/$3" && chmod 755 "$tmp/$3"
	cd "$tmp/$3" || return
	shift 3
	write_programs
	"$J" app.lua >ref.out 2>/dev/null
	IFS= read -rd '' REFTEXT <ref.out
	"$J" -j hot=2,hotloop=20 --snapshot-out=good.jsnap app.lua >/dev/null 2>seed.err
	if [ ! -s good.jsnap ] || ! patch good.jsnap sections | grep -qw code; then
		notok "$name: seeding a snapshot with code"
		diag <seed.err
		return
	fi
	read_sections
	for c in "$@"; do "case_$c" "$name"; done
}

# Each build's cases in two halves of about equal time, all four at once.
HALF1="good truncated header"
HALF2="flips swap programs files max_age or_seed full_disk race"
echo "# seed $SEED (SEED=$SEED repeats this run)"
# Private copies of the binaries: a rebuild in the tree while this runs must not mix builds.
copybin() { mkdir -p "$2" && cp "$1/jolt" "$1/jolt-load" "$2/" && chmod 755 "$2"; }
# shellcheck disable=SC2086 # the case lists, split on purpose
{
	copybin "$(dirname "$JOLT")" release.bin || exit 1
	suite release "$tmp/release.bin" release1 $HALF1 >release1.tap 2>&1 &
	suite release "$tmp/release.bin" release2 $HALF2 >release2.tap 2>&1 &
	if [ -x "$ASAN_BIN/jolt" ] && [ -x "$ASAN_BIN/jolt-load" ]; then
		copybin "$ASAN_BIN" asan.bin || exit 1
		suite asan "$tmp/asan.bin" asan1 $HALF1 >asan1.tap 2>&1 &
		suite asan "$tmp/asan.bin" asan2 $HALF2 >asan2.tap 2>&1 &
	else
		skip "asan: every case under the sanitizers" "$ASAN_BIN/jolt-load is not built (make asan)" >asan1.tap
		: >asan2.tap
	fi
}
wait
cat release1.tap release2.tap asan1.tap asan2.tap | awk '
	/^(not )?ok - / { n++; sub(/ - /, " " n " ") }
	/^not ok / { failed++ }
	{ print }
	END { print "1.." n; exit failed > 0 }'
