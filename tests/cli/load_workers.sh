#!/bin/bash
# load_workers.sh: jolt-load --workers=N: N workers share the loader's code and record pages
# (the 2nd and 3rd add no private bytes for them, by /proc/PID/smaps), a killed worker is
# restarted and the restart logged, SIGTERM ends them all and leaves no zombie.
# Prints TAP; exit 0 if all pass.
set -u
JOLT=${JOLT:-build/bin/jolt}
JOLT=$(realpath "$JOLT")
LOAD=$(dirname "$JOLT")/jolt-load
tmp=$(mktemp -d)
lpid=""
cleanup() {
	[ -n "$lpid" ] && kill -TERM "$lpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $1"; shift; for l in "$@"; do echo "# $l"; done; }

cat >srv.lua <<'LUA'
local P = {} P.__index = P
function P.new(x) return setmetatable({x = x, y = x * 2}, P) end
function P:sum() return self.x + self.y end
local s, rounds = 0, 0
repeat
  for i = 1, 2000 do s = s + P.new(i):sum() end
  rounds = rounds + 1
  local stop = rounds % 20 == 0 and io.open("stop")
  if stop then stop:close() end
until stop
print("served", rounds > 0)
LUA
: >stop
"$JOLT" -j hot=2,hotloop=20 --snapshot-out=srv.jsnap srv.lua >/dev/null 2>&1 || { echo "not ok 1 seeding"; exit 1; }
rm -f stop

# workers PID: the pids of the loader's children.
workers() { ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '; }
# private PID ADDR: Private_Clean + Private_Dirty kB of PID's mapping that contains ADDR.
private() {
	local a=$(($2)) in=0 sum=0 key val rest lo hi
	while read -r key val rest; do
		if [[ $key =~ ^([0-9a-f]+)-([0-9a-f]+)$ ]]; then
			lo=$((16#${BASH_REMATCH[1]})) hi=$((16#${BASH_REMATCH[2]}))
			in=$((a >= lo && a < hi))
		elif [ $in = 1 ] && [[ $key == Private_Clean: || $key == Private_Dirty: ]]; then
			sum=$((sum + val))
		fi
	done <"/proc/$1/smaps"
	echo $sum
}

"$LOAD" --verbose --workers=3 srv.jsnap -- srv.lua >out 2>err &
lpid=$!
for _ in $(seq 100); do [ "$(workers $lpid | wc -l)" -ge 3 ] && break; sleep 0.05; done
sleep 0.5
mapfile -t w < <(workers $lpid)
if [ ${#w[@]} -eq 3 ]; then ok "3 workers forked after the snapshot was bound"
else notok "3 workers" "children: ${w[*]}" "$(head -n 5 err)"; fi

# The shared pages: the region (its address from --verbose) and the code chunks the loader had
# mapped before the fork (memfd:jolt-jit, executable view).
region=$(sed -nE 's/.*region [0-9]+ KiB at (0x[0-9a-f]+),.*/\1/p' err | head -n 1)
chunks=$(awk '/memfd:jolt-jit/ && $2 ~ /r-x/ { split($1, r, "-"); print "0x" r[1] }' "/proc/$lpid/maps")
if [ -z "$region" ] || [ -z "$chunks" ]; then
	notok "shared pages found" "region '$region', code chunks '$chunks'" "$(head -n 8 err)"
else
	bad=""
	for pid in "${w[1]}" "${w[2]}"; do
		for a in $region $chunks; do
			p=$(private "$pid" "$a")
			[ "$p" = 0 ] || bad+="worker $pid: $p kB private in the mapping at $a"$'\n'
		done
	done
	if [ -z "$bad" ]; then ok "the 2nd and 3rd workers add no private bytes for code and records"
	else notok "code and records shared" "$bad"; fi
fi

# A killed worker is restarted, and the event logged.
kill -KILL "${w[0]}"
for _ in $(seq 100); do grep -q "restarted as pid" err && [ "$(workers $lpid | wc -l)" -ge 3 ] && break; sleep 0.05; done
if grep -q "worker 0 (pid ${w[0]}) killed by signal 9: restarted as pid" err && [ "$(workers $lpid | wc -l)" -eq 3 ]; then
	ok "a killed worker is restarted, logged"
else notok "restart" "$(grep worker err)" "children now: $(workers $lpid | tr '\n' ' ')"; fi

# SIGTERM: every worker ends, then the loader; nothing left behind.
mapfile -t w < <(workers $lpid)
kill -TERM $lpid
for _ in $(seq 100); do kill -0 $lpid 2>/dev/null || break; sleep 0.05; done
if kill -0 $lpid 2>/dev/null; then notok "SIGTERM: the loader is still running"
else
	wait $lpid
	rc=$?
	left=""
	for pid in "${w[@]}"; do [ -e /proc/$pid ] && left+="$pid($(awk '{print $3}' /proc/$pid/stat)) "; done
	if [ -z "$left" ] && [ $rc -eq 0 ]; then ok "SIGTERM ends all workers and the loader (exit 0), no zombies"
	else notok "SIGTERM" "exit $rc, left: $left" "$(tail -n 5 err)"; fi
fi
lpid=""

# Workers that end on their own end the loader with them.
: >stop
out=$("$LOAD" --workers=2 srv.jsnap -- srv.lua 2>err)
rc=$?
if [ $rc -eq 0 ] && [ "$(printf '%s\n' "$out" | grep -c '^served	true$')" = 2 ]; then ok "two workers run the program to its end"
else notok "workers to the end" "exit $rc: $out" "$(head -n 3 err)"; fi

echo "1..$n"
[ $fails -eq 0 ]
