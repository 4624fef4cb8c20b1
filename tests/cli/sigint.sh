#!/bin/bash
# sigint.sh: Ctrl-C as lua5.4's CLI handles it: a SIGINT while a script (or -e chunk) runs makes
# the running Lua code raise "interrupted!", so the process prints the message and a traceback
# and exits 1. Each case runs under lua5.4 and jolt (the JIT's default, off and stress modes):
# the first stderr line (program name masked), "stack traceback:" after it and the status must
# agree. Prints TAP; exit 0 if all pass, 4 if lua5.4 is missing.
set -u
JOLT=${JOLT:-build/bin/jolt}
LUA=${LUA:-/usr/bin/lua5.4}
[ -x "$LUA" ] || { echo "1..0 # SKIP no $LUA to compare with"; exit 4; }
JOLT=$(realpath "$JOLT")
tmp=$(mktemp -d)
pid=""
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $1"; shift; for l in "$@"; do echo "# $l"; done; }

# All on one line, so that wherever the interrupt lands (in g, in spin, in the write or flush
# that announce the loop) the message names the same position: line 1 (lua5.4 names level 1,
# the caller of the function the hook interrupts).
PROG='local function g(x) return x + 1 end local function spin() local n = 0 while true do n = g(n) end end io.stdout:write("started\n") io.stdout:flush() spin()'
printf '%s\n' "$PROG" >spin.lua

# interrupt OUT CMD...: run CMD, send SIGINT once it printed "started", wait for it (5 s at
# most, then SIGKILL); writes "status N", the first stderr line (name masked) and whether the
# second is "stack traceback:" to OUT.
interrupt() {
	local out=$1 i status
	shift
	"$@" >stdout 2>stderr </dev/null &
	pid=$!
	for ((i = 0; i < 500; i++)); do
		grep -q started stdout 2>/dev/null && break
		sleep 0.01
	done
	sleep 0.05   # well inside spin's loop
	kill -INT "$pid" 2>/dev/null
	for ((i = 0; i < 500; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid"; echo "still running 5 s after SIGINT" >>stderr; }
	wait "$pid"
	status=$?
	pid=""
	{
		echo "status $status"
		head -n 1 stderr | sed -E 's#^([^ :]*/)?(jolt|lua5\.4):#PROG:#'
		[ "$(sed -n 2p stderr)" = "stack traceback:" ] && echo "traceback" || echo "no traceback"
	} >"$out"
}

# same NAME ARGS...: lua5.4 and jolt ARGS agree (jolt under each JIT mode).
same() {
	local name=$1 mode
	shift
	interrupt ref "$LUA" "$@"
	if ! grep -q "interrupted!" ref; then
		notok "$name: lua5.4 itself" "$(cat ref)"
		return
	fi
	for mode in "${modes[@]}"; do
		# shellcheck disable=SC2086 # mode is options, split on purpose
		interrupt got "$JOLT" $mode "$@"
		if diff -u ref got >diff; then
			ok "$name ${mode:-(jit default)}: $(sed -n 2p got)"
		else
			notok "$name ${mode:-(jit default)}" "$(tail -n +3 diff)"
		fi
	done
}

modes=("" "-j off" "-j stress" "-j hot=1,hotloop=2")
same "script" spin.lua
same "script with arguments" spin.lua a b
same "-e chunk" -e "$PROG"

# A loop without calls is interrupted at a back-edge in the interpreter (compiled loops carry
# no check: docs/compatibility.md).
printf '%s\n' 'io.stdout:write("started\n") io.stdout:flush() local n = 0 while true do n = n + 1 end' >loop.lua
modes=("-j off")
same "call-free loop" loop.lua

echo "1..$n"
[ $fails -eq 0 ]
