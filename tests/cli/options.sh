#!/bin/bash
# options.sh: the CLI's lua-compatible options against lua5.4 (same stdout, stderr with the
# program name masked, and exit status), then jolt's own options. Exit 0 if all agree.
set -u
JOLT=${JOLT:-build/bin/jolt}
LUA=${LUA:-/usr/bin/lua5.4}
[ -x "$LUA" ] || { echo "no $LUA to compare with"; exit 4; }
JOLT=$(realpath "$JOLT")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fails=0

# run BIN ARGS...: stdout, stderr and status, program name masked; stdin from $IN (or empty).
run() {
	local bin=$1
	shift
	"$bin" "$@" <"${IN:-/dev/null}" >out 2>err
	echo "status $?"
	cat out
	echo "--- stderr"
	sed -E 's#^([^ :]*/)?(jolt|lua5\.4):#PROG:#; s#usage: ([^ :]*/)?(jolt|lua5\.4)#usage: PROG#' err
}

# same ARGS...: jolt and lua5.4 must agree.
same() {
	run "$LUA" "$@" >ref
	run "$JOLT" "$@" >got
	if ! diff -u ref got >diff; then
		echo "FAIL: $*"
		tail -n +3 diff
		fails=$((fails + 1))
	fi
}

# same_usage ARGS...: a usage error: jolt's message and usage line agree with lua5.4's (jolt
# lists its own options after lua's).
same_usage() {
	run "$LUA" "$@" | head -n 4 >ref
	run "$JOLT" "$@" | head -n 4 >got
	if ! diff -u ref got >diff; then
		echo "FAIL: $*"
		tail -n +3 diff
		fails=$((fails + 1))
	fi
}

# expect WHAT ARGS...: jolt's transcript must contain the line WHAT.
expect() {
	local what=$1
	shift
	run "$JOLT" "$@" >got
	if ! grep -qxF -- "$what" got; then
		echo "FAIL: $* (wanted the line: $what)"
		cat got
		fails=$((fails + 1))
	fi
}

printf 'print("script", ...)\nprint(arg[0], arg[-1] ~= nil, #arg, arg[1], arg[2])\n' >s.lua
printf 'error("boom")\n' >err.lua
printf 'x = = 1\n' >syn.lua
printf '#!/usr/bin/env lua\nprint("shebang", debug.getinfo(1, "l").currentline)\n' >sb.lua
printf 'return {v = 42}\n' >mymod.lua
printf 'print("stdin", ..., #arg)\n' >in.lua
printf 'print("init file")\n' >init.lua

same s.lua a b
same -- s.lua a
same -e 'print(1)' -e 'x = 2' -e 'print(x)'
same -e 'print(...)'
same -eprint\(3\)
same -e "error('x')"
same -e 'error({})'
same -e 'error()'
same -e 'error(setmetatable({}, {__tostring = function() return "custom" end}))'
same -e 'coroutine.yield()'
same -e 'local t = nil; t.x = 1'
same err.lua
same syn.lua
same nofile.lua
same sb.lua
same -e 'os.exit(3)'
same -e 'os.exit(true)'
same -e 'os.exit(false)'
same -e 'io.write("no newline")'
same -W -e 'warn("w1")'
same -e 'warn("@on") warn("a", "b")'
same -l mymod -e 'print(mymod.v)'
same -l m=mymod -e 'print(m.v)'
same -l nosuchmodule
same_usage -x
same_usage -e
same_usage -l
same_usage -vx
same -E -e 'print(os.getenv("HOME") ~= nil)'
IN=in.lua same - x y
IN=in.lua same
IN=err.lua same
LUA_INIT='print("from init")' same -e 'print(2)'
LUA_INIT='@init.lua' same -e 'print(2)'
LUA_INIT='x y' same -e 'print(2)'
LUA_INIT_5_4='print("5.4 init")' LUA_INIT='print("plain init")' same -e ''
LUA_INIT='print("ignored")' same -E -e 'print(3)'
export LUA_INIT LUA_INIT_5_4
unset LUA_INIT LUA_INIT_5_4

# The REPL: lua5.4 here echoes input through readline, so check jolt's own transcript.
printf 'x = 1\nx + 1\n=x * 10\nfor i = 1, 2 do\nprint("loop", i)\nend\nerror("z")\n1 +\nreturn 1, nil, "s"\n' >repl.in
IN=repl.in expect '> > 2' -i
IN=repl.in expect '> 10' -i
IN=repl.in expect '> >> >> loop	1' -i
IN=repl.in expect 'stdin:1: z' -i
IN=repl.in expect 'stdin:1: unexpected symbol near '"'"'1'"'"'' -i
IN=repl.in expect '> > > 1	nil	s' -i
IN=repl.in expect 'jolt 0.1 (Lua 5.4 compatible)' -i

# jolt's own options.
expect 'jolt 0.1 (Lua 5.4 compatible)' -v
expect 'nil' -e 'print(jit_mode)'
expect 'off' -j off -e 'print(jit_mode)'
expect 'on' -jon -e 'print(jit_mode)'
expect "PROG: unknown JIT option 'fast' (use on, off, stress, dump, perf, verbose, hot=N, hotloop=N, stressn=N)" -j fast -e ''
expect "PROG: bad value for JIT option 'hot'" -j hot=x -e ''
expect 'jolt stats:' --stats -e 'local s = 0 for i = 1, 10 do s = s + i end'
expect 'jolt stats:' --stats -e 'os.exit(0)'
printf 'local a = 1\nreturn a + 2\n' >d.lua
expect 'status 0' --dump-bytecode d.lua
run "$JOLT" --dump-bytecode d.lua >got
grep -q 'RETURN' got || { echo "FAIL: --dump-bytecode printed no bytecode"; cat got; fails=$((fails + 1)); }
run "$JOLT" --dump-bytecode err.lua >got
grep -q 'stack traceback' got && { echo "FAIL: --dump-bytecode ran the script"; fails=$((fails + 1)); }

[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
echo "all passed"
