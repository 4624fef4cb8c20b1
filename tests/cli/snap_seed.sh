#!/bin/bash
# snap_seed.sh: seeding and jump-starting: --snapshot-out at exit and through os.exit, SIGUSR1,
# --snapshot-after, jolt.snapshot(path), a jump-started process with code compiles nothing,
# --no-code compiles from the records, a jump-started process seeds the next snapshot, and
# a changed program keeps its unchanged functions. Exit 0 if all checks pass.
set -u
JOLT=${JOLT:-build/bin/jolt}
JOLT=$(realpath "$JOLT")
LOAD=$(dirname "$JOLT")/jolt-load
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
[ -x "$LOAD" ] || { echo "FAIL: $LOAD not built"; exit 1; }

cat >app.lua <<'LUA'
local Vec = {}
Vec.__index = Vec
function Vec.new(x, y) return setmetatable({x = x, y = y}, Vec) end
function Vec:dot(o) return self.x * o.x + self.y * o.y end
local function work(n)
  local s = 0
  for i = 1, n do s = s + Vec.new(i, 2):dot(Vec.new(1, i)) end
  return s
end
local total = 0
for r = 1, 40 do total = total + work(500) end
print(total)
if arg[1] == "exit" then os.exit(3) end
LUA
expected=$(lua5.4 app.lua)

# At exit.
"$JOLT" --snapshot-out=app.jsnap app.lua >out 2>err || fail "seeding run exits $?"
[ "$(cat out)" = "$expected" ] || fail "seeding run: wrong output"
[ -s app.jsnap ] || fail "no snapshot written at exit"
ls app.jsnap.tmp.* >/dev/null 2>&1 && fail "a temporary file was left behind"

# Through os.exit (the status is the program's).
"$JOLT" --snapshot-out=exit.jsnap app.lua exit >out 2>err
rc=$?
[ $rc -eq 3 ] || fail "os.exit(3) under --snapshot-out exits $rc"
[ -s exit.jsnap ] || fail "no snapshot written through os.exit"

# Jump-started with code: the same output, code bound, nothing compiled.
"$LOAD" app.jsnap -- --stats app.lua >out 2>err || fail "jolt-load exits $?"
[ "$(cat out)" = "$expected" ] || fail "jump-start: wrong output"
grep -q "jolt-load:" err && fail "jump-start: unexpected message: $(grep jolt-load: err)"
grep -qE "^jit: 0 functions compiled" err || fail "jump-start with code compiled functions: $(grep compiled err)"
grep -qE "^snapshot: [1-9][0-9]* functions bound \([1-9][0-9]* with code" err ||
	fail "jump-start: no code bound: $(grep ^snapshot: err)"

# Profile only: compiled at once from the records.
"$LOAD" --no-code app.jsnap -- --stats app.lua >out 2>err || fail "jolt-load --no-code exits $?"
[ "$(cat out)" = "$expected" ] || fail "--no-code: wrong output"
grep -qE "\(0 with code, [1-9][0-9]* compiled from their record" err ||
	fail "--no-code: nothing compiled from a record: $(grep ^snapshot: err)"

# A jump-started process seeds the next snapshot; its counts include the first one's.
"$LOAD" app.jsnap -- --snapshot-out=next.jsnap app.lua >out 2>err || fail "re-seeding exits $?"
[ -s next.jsnap ] || fail "a jump-started process wrote no snapshot"
"$LOAD" --verbose next.jsnap -- app.lua >out 2>err || fail "jolt-load of the re-seeded snapshot exits $?"
[ "$(cat out)" = "$expected" ] || fail "re-seeded: wrong output"
grep -q "profile record and code" err || fail "re-seeded snapshot carries no code"

# jolt.snapshot(path) from Lua, and its error for a path that cannot be written.
cat >api.lua <<'LUA'
local function f(x) return x * 2 end
for i = 1, 1000 do f(i) end
print(jolt.snapshot("api.jsnap"))
local ok, err = jolt.snapshot("nodir/x.jsnap")
print(ok, err ~= nil and err:match("nodir") ~= nil)
LUA
"$JOLT" api.lua >out 2>err || fail "jolt.snapshot script exits $?"
[ "$(head -n 1 out)" = "true" ] || fail "jolt.snapshot did not return true: $(cat out err)"
[ "$(sed -n 2p out)" = "nil	true" ] || fail "jolt.snapshot to a bad path: $(sed -n 2p out)"
[ -s api.jsnap ] || fail "jolt.snapshot wrote nothing"

# SIGUSR1 while the program runs, and --snapshot-after: written before the program ends.
cat >server.lua <<'LUA'
local function handle(i) return (i * 7) % 13 end
io.write("ready\n") io.stdout:flush()
local t0, s = os.clock(), 0
while os.clock() - t0 < 4 do
  if io.open("stop") then break end
  for i = 1, 1000 do s = s + handle(i) end
end
print(s > 0)
LUA
"$JOLT" --snapshot-out=usr1.jsnap server.lua >out 2>err &
pid=$!
for _ in $(seq 100); do grep -q ready out 2>/dev/null && break; sleep 0.05; done
sleep 0.3
kill -USR1 $pid
for _ in $(seq 100); do [ -s usr1.jsnap ] && break; sleep 0.05; done
[ -s usr1.jsnap ] || fail "SIGUSR1 wrote no snapshot while the program ran"
kill -0 $pid 2>/dev/null || fail "the program ended before SIGUSR1 was handled"
: >stop
wait $pid || fail "the SIGUSR1 run exits $?"
rm -f stop
"$LOAD" usr1.jsnap -- server.lua >out 2>err
grep -q "jolt-load:" err && fail "snapshot written on SIGUSR1 refused: $(cat err)"

"$JOLT" --snapshot-after=0.5 --snapshot-out=after.jsnap server.lua >out 2>err &
pid=$!
for _ in $(seq 60); do [ -s after.jsnap ] && break; sleep 0.05; done
[ -s after.jsnap ] || fail "--snapshot-after=0.5 wrote no snapshot within 3 s"
: >stop
wait $pid
rm -f stop
"$JOLT" --snapshot-after=x app.lua >out 2>err && fail "--snapshot-after=x accepted"
grep -q "bad value" err || fail "--snapshot-after=x: no clear error"

# A changed program: its unchanged functions keep their records and code.
cp app.lua app.lua.orig
sed 's/return self.x \* o.x + self.y \* o.y/return o.x * self.x + self.y * o.y/' app.lua.orig >app.lua
cmp -s app.lua app.lua.orig && fail "the test did not change the program"
"$LOAD" --verbose app.jsnap -- --stats app.lua >out 2>err || fail "changed program exits $?"
[ "$(cat out)" = "$expected" ] || fail "changed program: wrong output"
grep -q "no record (new or changed)" err || fail "changed program: the changed function was not reported"
grep -q "program changed" err || fail "changed program: not reported as changed"
grep -qE "^snapshot: [1-9][0-9]* functions bound" err || fail "changed program: nothing kept"
cp app.lua.orig app.lua

# Another input than the seeder's: the shipped code's guards fail (types, shapes, callees) and
# deoptimize; the output stays lua5.4's.
cat >poly.lua <<'LUA'
local mode = arg[1]
local function val(i)
  if mode == "int" then return i elseif mode == "flt" then return i + 0.5 else return tostring(i) end
end
local function obj(i)
  if mode == "int" then return {a = i, b = 2} elseif mode == "flt" then return {b = 2, a = i} end
  return setmetatable({}, {__index = function(_, k) return k == "a" and i or 2 end})
end
local function sum(t) local s = 0 for i = 1, #t do s = s + t[i] end return s end
local function dot(o) return o.a * o.b end
local f = mode == "str" and function(x) return #x end or function(x) return x * 3 end
local acc = 0
for r = 1, 300 do
  local t = {}
  for i = 1, 50 do t[i] = val(i) end
  acc = acc + sum(t) + dot(obj(r)) + f(val(r))
end
print(mode, acc)
LUA
"$JOLT" -j hot=2,hotloop=20 --snapshot-out=poly.jsnap poly.lua int >/dev/null 2>&1
for mode in int flt str; do
	want=$(lua5.4 poly.lua $mode 2>&1)
	got=$("$LOAD" poly.jsnap -- poly.lua $mode 2>&1)
	[ "$got" = "$want" ] || fail "seeded with int, jump-started with $mode: '$got', expected '$want'"
	got=$("$LOAD" --no-code poly.jsnap -- poly.lua $mode 2>&1)
	[ "$got" = "$want" ] || fail "seeded with int, --no-code with $mode: '$got', expected '$want'"
done

# A module loaded after the main chunk: the main chunk's call sites get their callees from the
# module's chunk once require() compiles it, before the caller runs.
cat >mod.lua <<'LUA'
local M = {}
function M.f(x) return x * 2 + 1 end
return M
LUA
cat >main.lua <<'LUA'
package.path = "./?.lua;" .. package.path
local m
local function caller(x) return m.f(x) end
m = require("mod")
if arg[1] == "probe" then
  for _, s in ipairs(jolt.profile(caller).sites) do
    if s.op == "TAILCALL" or s.op == "CALL" then print(s.op, "callees known", s.seen) end
  end
  return
end
local s = 0
for i = 1, 3000 do s = s + caller(i) end
print(s)
LUA
"$JOLT" --snapshot-out=main.jsnap main.lua >/dev/null 2>&1
[ "$("$LOAD" main.jsnap -- main.lua)" = "$(lua5.4 main.lua)" ] || fail "module program: wrong output"
got=$("$LOAD" main.jsnap -- main.lua probe)
case $got in *"callees known	1"*) ;; *) fail "the module's callee was not bound into the caller's call site: $got" ;; esac
got=$("$JOLT" main.lua probe)
case $got in *"callees known	1"*) fail "cold: the caller's call site knows a callee before any call: $got" ;; esac

# Code that calls into a chunk loaded later (a request loop calling a module's handler, the
# loop compiled with a direct call): it waits for the module instead of being refused, is
# bound when the module comes, and nothing compiles. When the module never comes (this run does
# not load it), the waiting function compiles once hot by itself, and the output stays right.
cat >hmod.lua <<'LUA'
local M = {}
function M.handle(i) return i % 7 end
return M
LUA
cat >loop.lua <<'LUA'
package.path = "./?.lua;" .. package.path
local h
local function serve(n) local s = 0 for i = 1, n do s = s + h(i) end return s end
if arg[1] == "nomod" then h = function(i) return i % 5 end else h = require("hmod").handle end
print(serve(20000), serve(20000))
LUA
"$JOLT" --snapshot-out=loop.jsnap loop.lua >/dev/null 2>&1
got=$("$LOAD" --verbose loop.jsnap -- --stats loop.lua 2>&1)
case $got in *"code waits for the chunk of a callee"*"code arrived, bound"*) ;;
*) fail "a caller of a later chunk did not wait for it and get its code: $got" ;; esac
case $got in *"jit: 0 functions compiled"*) ;; *) fail "the waiting caller was compiled: $got" ;; esac
[ "$("$LOAD" loop.jsnap -- loop.lua)" = "$(lua5.4 loop.lua)" ] || fail "waiting caller: wrong output"
got=$("$LOAD" --verbose loop.jsnap -- loop.lua nomod 2>&1)
case $got in *"a callee's chunk was not loaded while it ran hot"*) ;;
*) fail "a caller whose callee's chunk never comes did not stop waiting: $got" ;; esac
[ "$("$LOAD" loop.jsnap -- loop.lua nomod 2>/dev/null)" = "$(lua5.4 loop.lua nomod)" ] ||
	fail "caller whose callee's chunk never came: wrong output"

[ $fails -eq 0 ] || exit 1
echo "all snapshot seeding checks passed"
