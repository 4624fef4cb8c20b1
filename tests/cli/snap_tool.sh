#!/bin/bash
# snap_tool.sh: jolt-snap (tools/jolt_snap.c): inspect, inspect --json, verify, merge and diff
# on snapshots seeded here from a small program, run once with integers and once with floats.
# Prints TAP; exit 0 if all checks pass, 4 (skip) when jolt-snap or jolt-load is not built.
set -u
JOLT=${JOLT:-build/bin/jolt}
JOLT=$(realpath "$JOLT")
BIN=$(dirname "$JOLT")
SNAP=$BIN/jolt-snap
LOAD=$BIN/jolt-load
for b in "$SNAP" "$LOAD"; do
	[ -x "$b" ] || { echo "no $b next to $JOLT (make)"; exit 4; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $1"; }
# check DESC CMD...: one TAP line for whether CMD succeeds; its output as comments if not.
check() {
	local desc=$1
	shift
	if "$@" >check.out 2>&1; then ok "$desc"; else notok "$desc"; sed 's/^/# /' check.out | head -n 20; fi
}
# has FILE ERE: FILE has a line matching ERE (shown when it does not).
has() {
	grep -Eq -- "$2" "$1" || { echo "no line /$2/ in $1:"; head -n 40 "$1"; return 1; }
}

# The program: sum() adds integers or floats (arg 1), hot enough for the JIT at low thresholds.
cat >prog.lua <<'LUA'
local mode, n = arg[1] or "int", tonumber(arg[2] or "2000")
local function add(a, b) return a + b end
local function mk(i) return {x = i, y = i} end
local function sum(k)
  local s = 0
  for i = 1, k do
    local v = mode == "flt" and i + 0.5 or i
    local p = mk(v)
    s = add(s, p.x + p.y)
  end
  return s
end
print(sum(n))
LUA
SEEDARGS=(-j hot=2,hotloop=20)
"$JOLT" "${SEEDARGS[@]}" --snapshot-out=int.jsnap prog.lua int 2000 >int.out 2>&1
"$JOLT" "${SEEDARGS[@]}" --snapshot-out=flt.jsnap prog.lua flt 3000 >flt.out 2>&1
if [ ! -s int.jsnap ] || [ ! -s flt.jsnap ]; then
	notok "seeding runs write snapshots"
	cat int.out flt.out | sed 's/^/# /'
	echo "1..$n"
	exit 1
fi
ok "seeding runs write snapshots"
mainfid=$("$JOLT" -e 'print(jolt.fid(loadfile("prog.lua")))')

# calls FILE FID: the calls column of function FID in inspect's table.
calls() { "$SNAP" inspect "$1" | awk -v f="$2" '$2 == f { print $3 }'; }
# fidof FILE NAME: the fid of the function named NAME ("prog.lua:2").
fidof() { "$SNAP" inspect "$1" | awk -v f="$2" '$1 == f { print $2 }'; }

# -- inspect --------------------------------------------------------------------------------
"$SNAP" inspect int.jsnap >insp.out 2>&1
rc=$?
check "inspect exits 0" test $rc -eq 0
check "inspect: header" eval 'has insp.out "^  format: +[0-9]+ \(records 1\)$" &&
	has insp.out "^  program: +prog\.lua \(hash $mainfid\)$" && has insp.out "^  seeders: +1$" &&
	has insp.out "^  created: +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$" &&
	has insp.out "^  build id: +[0-9a-f]{32}$" && has insp.out "^  samples: +[1-9][0-9]*$"'
check "inspect: sections" eval 'has insp.out "^sections \([0-9]+\):$" &&
	has insp.out "^  strings +4096 +[0-9]+ +[0-9]+ +[0-9a-f]{8}$" && has insp.out "^  funcs "'
check "inspect: functions hot first, the main chunk among them" eval \
	'has insp.out "^functions \(4, hottest first\):$" &&
	has insp.out "^  prog\.lua:0 +$mainfid +1 +" && has insp.out "^  prog\.lua:2 +[0-9a-f]{16} +2000 "'

# -- inspect --json -------------------------------------------------------------------------
"$SNAP" inspect --json int.jsnap >json.out 2>&1
rc=$?
jsonok() {
	[ $rc -eq 0 ] || { echo "exit $rc"; return 1; }
	[ "$(wc -l <json.out)" -eq 1 ] || { echo "not one line"; return 1; }
	local open close
	open=$(tr -cd '{' <json.out | wc -c) close=$(tr -cd '}' <json.out | wc -c)
	[ "$open" -eq "$close" ] && [ "$open" -gt 2 ] || { echo "braces $open/$close"; return 1; }
	has json.out "^\{\"file\":\"int\.jsnap\",.*\"program\":\"prog\.lua\"" &&
		has json.out "\"fid\":\"$mainfid\"" && has json.out "\"sections\":\[\{\"kind\":\"strings\"" &&
		has json.out "\}\]\}$"
}
check "inspect --json: one object on one line with the main chunk's fid" jsonok
if command -v python3 >/dev/null 2>&1; then
	check "inspect --json: valid JSON (python3)" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' json.out
fi
# Names are escaped: a script whose file name has a quote and a backslash.
odd='od"d\x.lua'
cp prog.lua "$odd"
"$JOLT" --snapshot-out=odd.jsnap "$odd" >/dev/null 2>&1
"$SNAP" inspect --json odd.jsnap >odd.out 2>&1
check "inspect --json: strings escaped" has odd.out '"program":"od\\"d\\\\x\.lua"'

# -- verify ---------------------------------------------------------------------------------
check "verify: ok" eval '"$SNAP" verify int.jsnap >v.out 2>&1 && has v.out "^int\.jsnap: ok \((code usable|profile records only: .*)\)$"'
check "verify --script: same program ok" eval '"$SNAP" verify int.jsnap --script sub/prog.lua >v.out 2>&1 && has v.out ": ok "'
"$SNAP" verify int.jsnap --script other.lua >v.out 2>&1
rc=$?
check "verify --script: another program refused (exit 1)" eval \
	'[ $rc -eq 1 ] && has v.out "^int\.jsnap: refused: a snapshot of another program \(prog\.lua, not other\.lua\)$"'
# Corrupt one byte of the funcs section (its offset from the section table).
cp int.jsnap bad.jsnap
off=$("$SNAP" inspect bad.jsnap | awk '$1 == "funcs" { print $2 }')
byte=$(od -An -tu1 -j $((off + 9)) -N1 bad.jsnap | tr -d ' ')
printf "\\$(printf %03o $((255 - byte)))" | dd of=bad.jsnap bs=1 seek=$((off + 9)) conv=notrunc 2>/dev/null
"$SNAP" verify bad.jsnap >v.out 2>&1
rc=$?
check "verify: a flipped byte is refused with 'checksum' (exit 1)" eval \
	'[ $rc -eq 1 ] && has v.out "^bad\.jsnap: refused: .*checksum"'
"$SNAP" inspect bad.jsnap >v.out 2>&1
rc=$?
check "inspect: a corrupt file exits 1 with the reason" eval '[ $rc -eq 1 ] && has v.out "^jolt-snap: bad\.jsnap: .*checksum"'

# -- merge ----------------------------------------------------------------------------------
"$SNAP" merge int.jsnap flt.jsnap -o merged.jsnap >m.out 2>&1
rc=$?
check "merge: exit 0 and the summary line" eval \
	'[ $rc -eq 0 ] && has m.out "^merged 2 snapshots: 4 functions, [0-9]+ with code, [0-9]+ code dropped$"'
check "merge: the output verifies" eval '"$SNAP" verify merged.jsnap >v.out 2>&1 && has v.out "^merged\.jsnap: ok "'
"$SNAP" inspect merged.jsnap >mi.out 2>&1
check "merge: seeders and flags" eval 'has mi.out "^  seeders: +2$" && has mi.out "^  flags: +.*merged"'
addfid=$(fidof int.jsnap prog.lua:2)
sumcheck() {
	local fid=$1 a b m
	a=$(calls int.jsnap "$fid") b=$(calls flt.jsnap "$fid") m=$(calls merged.jsnap "$fid")
	[ -n "$a" ] && [ -n "$b" ] && [ "$m" = $((a + b)) ] || { echo "calls $a + $b, merged $m"; return 1; }
}
check "merge: the main chunk's calls are the sum of the inputs'" sumcheck "$mainfid"
check "merge: add()'s calls are the sum of the inputs' (2000 + 3000)" eval 'sumcheck "$addfid" && [ "$(calls merged.jsnap "$addfid")" = 5000 ]'
# add() saw integers in one seeder and floats in the other: code of either input would be wrong.
addcode=$("$SNAP" inspect int.jsnap | awk '$1 == "prog.lua:2" { print $8 }')
if [ "$addcode" = "-" ]; then
	ok "merge: add()'s code dropped (types differ) # SKIP the seeding run did not compile add()"
else
	check "merge: add()'s code dropped (types differ)" eval \
		'[ "$("$SNAP" inspect merged.jsnap | awk '"'"'$1 == "prog.lua:2" { print $8 }'"'"')" = "-" ]'
fi
"$LOAD" merged.jsnap -- prog.lua int 2000 >run.out 2>run.err
check "jolt-load from the merged snapshot prints the right output" eval 'cmp -s run.out int.out || { cat run.out run.err; false; }'
"$LOAD" merged.jsnap -- prog.lua flt 3000 >run.out 2>run.err
check "jolt-load from the merged snapshot (floats) prints the right output" eval 'cmp -s run.out flt.out || { cat run.out run.err; false; }'
# A snapshot merged with itself learns nothing new: all its code is kept.
ncode=$("$SNAP" inspect int.jsnap | awk '/^functions/ { f = 1; next } f && NF == 8 && $8 != "code" && $8 != "-" { c++ } END { print c + 0 }')
"$SNAP" merge int.jsnap int.jsnap -o self.jsnap >m.out 2>&1
check "merge: A with A keeps all of A's code ($ncode functions)" has m.out "^merged 2 snapshots: 4 functions, $ncode with code, 0 code dropped$"
"$LOAD" self.jsnap -- prog.lua int 2000 >run.out 2>run.err
check "jolt-load from A+A prints the right output" eval 'cmp -s run.out int.out || { cat run.out run.err; false; }'
cp prog.lua other.lua
"$JOLT" --snapshot-out=other.jsnap other.lua >/dev/null 2>&1
"$SNAP" merge int.jsnap other.jsnap -o x.jsnap >m.out 2>&1
rc=$?
check "merge: snapshots of different programs refused (exit 1)" eval \
	'[ $rc -eq 1 ] && [ ! -e x.jsnap ] && has m.out "different programs"'
"$SNAP" merge int.jsnap bad.jsnap -o x.jsnap >m.out 2>&1
rc=$?
check "merge: a corrupt input refused (exit 1)" eval '[ $rc -eq 1 ] && has m.out "^jolt-snap: bad\.jsnap: "'

# Three seeders calling three different functions at one site: two are kept, the site turns
# megamorphic; two seeders' callees are kept without it.
cat >poly.lua <<'LUA'
local fs = {a = function(x) return x + 1 end, b = function(x) return x + 2 end, c = function(x) return x + 3 end}
local f = fs[arg[1]]
local s = 0
for i = 1, 100 do s = s + f(i) end
print(s)
LUA
for m in a b c; do "$JOLT" "${SEEDARGS[@]}" --snapshot-out=p$m.jsnap poly.lua $m >/dev/null 2>&1; done
"$SNAP" merge pa.jsnap pb.jsnap -o pab.jsnap >/dev/null 2>&1
"$SNAP" merge pa.jsnap pb.jsnap pc.jsnap -o pabc.jsnap >m.out 2>&1
"$SNAP" inspect --sites pab.jsnap >pab.out 2>&1
"$SNAP" inspect --sites pabc.jsnap >pabc.out 2>&1
lfn='lfn:[0-9a-f]{16}'
check "merge: two callees united at a call site" eval \
	'has pab.out "flags -  seen $lfn $lfn$" && ! grep -q mega pab.out'
check "merge: a third callee makes the site megamorphic, two kept" eval \
	'has m.out "^merged 3 snapshots: 4 functions, " && has pabc.out "flags mega  seen $lfn $lfn$"'
"$LOAD" pabc.jsnap -- poly.lua c >run.out 2>&1
check "jolt-load from the three-way merge prints the right output" eval '[ "$(cat run.out)" = 5350 ] || { cat run.out; false; }'

# -- diff -----------------------------------------------------------------------------------
"$SNAP" diff int.jsnap merged.jsnap >d.out 2>&1
rc=$?
check "diff of two snapshots" eval '[ $rc -eq 0 ] && has d.out "^in both \(4\):$" &&
	has d.out "^  prog\.lua:2  $addfid  calls 2000 / 5000$" &&
	has d.out "^0 only in int\.jsnap, 0 only in merged\.jsnap, 4 in both$"'
# Edit add() in a copy of the program under the same name: it and the main chunk change.
mkdir v2
sed 's/return a + b end/return b + a end/' prog.lua >v2/prog.lua
(cd v2 && "$SNAP" diff ../int.jsnap --script prog.lua) >d.out 2>&1
rc=$?
changed=$(awk '/^changed or new/ { print $4 }' d.out | sort | tr '\n' ' ')
check "diff --script: exactly the edited function and the main chunk changed" eval \
	'[ $rc -eq 0 ] && [ "$changed" = "prog.lua:0 prog.lua:2 " ] || { echo "changed: $changed"; cat d.out; false; }'
check "diff --script: summary" has d.out "^2 unchanged, 2 new or changed, 2 gone$"
"$SNAP" diff int.jsnap --script prog.lua >d.out 2>&1
check "diff --script: the seeded program is all the same" has d.out "^4 unchanged, 0 new or changed, 0 gone$"

# -- bad use --------------------------------------------------------------------------------
usage2() { "$SNAP" "$@" >u.out 2>&1; [ $? -eq 2 ] && has u.out "^usage: jolt-snap"; }
check "usage: no command" usage2
check "usage: unknown command" usage2 frobnicate
check "usage: merge without -o" usage2 merge int.jsnap flt.jsnap
check "usage: diff with one file" usage2 diff int.jsnap
check "usage: inspect with a bad option" usage2 inspect --xml int.jsnap

echo "1..$n"
[ $fails -eq 0 ]
