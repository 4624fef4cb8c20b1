#!/bin/bash
# jit.sh: the JIT's command-line tooling: -j dump (IR and disassembly), -j perf (perf map),
# --stats (JIT counters), -j verbose and the option parser. Exit 0 if all checks pass.
set -u
JOLT=${JOLT:-build/bin/jolt}
JOLT=$(realpath "$JOLT")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

cat >hot.lua <<'LUA'
local function add(a, b) return a + b end
local s = 0
for i = 1, 5000 do s = s + i * 2 - 1 end
for i = 1, 300 do s = add(s, i) end
print(s)
LUA

# -j dump: the IR of the compiled loop and the machine code (objdump when present).
"$JOLT" -j dump hot.lua >out 2>err || fail "-j dump exits $?"
grep -qx 25045150 out || fail "-j dump: wrong output"
grep -q -- "---- jit: lua:hot.lua:0 " err || fail "-j dump: no IR header for the main chunk"
grep -qE "^  [0-9]{4} int ADD " err || fail "-j dump: no integer ADD in the IR"
grep -q "FORLOOP\|BRI" err || fail "-j dump: no loop branch in the IR"
if command -v objdump >/dev/null; then
	grep -q "push   rbx" err || fail "-j dump: no disassembly"
fi

# --stats: the JIT's counters.
"$JOLT" --stats hot.lua >out 2>err || fail "--stats exits $?"
grep -qE "^jit: [1-9][0-9]* functions compiled, [1-9][0-9]* bytecodes, [1-9][0-9]* code bytes" err ||
	fail "--stats: no compiled functions"
grep -qE "^jit: code region [0-9]+ chunks of 2 MiB, (4k|thp|hugetlb) pages" err || fail "--stats: no code region line"
"$JOLT" -j off --stats hot.lua >out 2>err
grep -q "^jit: off" err || fail "-j off --stats: not off"
grep -qE "^jit: 0 functions compiled" err || fail "-j off compiled something"

# -j perf: one perf-map line per compiled function, "START SIZE name" in hex.
"$JOLT" -j perf hot.lua >out 2>err &
pid=$!
wait $pid || fail "-j perf exits $?"
map=/tmp/perf-$pid.map
if [ -f "$map" ]; then
	grep -qE "^[0-9a-f]+ [0-9a-f]+ lua:hot\.lua:0$" "$map" || { fail "-j perf: no line for the main chunk"; cat "$map"; }
	rm -f "$map"
else
	fail "-j perf: $map was not written"
fi

# Thresholds, stress, verbose and bad options.
"$JOLT" -j hot=1,hotloop=1 --stats hot.lua >out 2>err || fail "-j hot=1 exits $?"
grep -qx 25045150 out || fail "-j hot=1: wrong output"
"$JOLT" -j stress --stats hot.lua >out 2>err || fail "-j stress exits $?"
grep -qx 25045150 out || fail "-j stress: wrong output"
grep -q "^jit: on (stress)" err || fail "-j stress: not reported"
"$JOLT" -j verbose hot.lua >out 2>err || fail "-j verbose exits $?"
for bad in hot=0 hot= hotloop=x fast; do
	if "$JOLT" -j "$bad" -e '' >out 2>err; then fail "-j $bad accepted"; fi
	grep -q "JIT option" err || fail "-j $bad: no message"
done

[ $fails -eq 0 ] && echo "all JIT CLI checks pass"
[ $fails -eq 0 ]
