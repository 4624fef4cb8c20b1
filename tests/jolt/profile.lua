-- Profile records (jolt.profile) and profiling windows: a function is profiled until it ran
-- PROF_STABLE_EVENTS (2000) calls + loop back-edges without a record change, then it is stable
-- and runs without recording; a record change (a new shape at a field cache miss) reopens it.
-- jolt-args: -j off
local function site(f, op, nth)
  local n = 0
  for _, s in ipairs(jolt.profile(f).sites) do
    if s.op == op then
      n = n + 1
      if n == (nth or 1) then return s end
    end
  end
end
local function show(what, s)
  print(what, s.op, "t1=" .. s.t1, "t2=" .. s.t2, "seen=" .. s.seen, "mega=" .. tostring(s.mega),
        "taken=" .. tostring(s.taken), "nottaken=" .. tostring(s.nottaken))
end

-- Operand types: integers at an ADD, then a float.
local function add(a, b) return a + b end
for i = 1, 10 do add(i, i) end
show("ints", site(add, "ADD"))
add(1.5, 2)
show("then a float", site(add, "ADD"))
local p = jolt.profile(add)
print("calls", p.calls, "stability", p.stability, "stable", p.stable)

-- Shapes at a field site: one, two (bimorphic), three (megamorphic); values stay right.
local function getx(o) return o.x end
print(getx({x = 1}))
show("one shape", site(getx, "GETFIELD"))
print(getx({y = 0, x = 2}))
show("two shapes", site(getx, "GETFIELD"))
print(getx({x = 1}), getx({y = 0, x = 2}))
print(getx({z = 0, w = 0, x = 3}))
show("three shapes", site(getx, "GETFIELD"))

-- A call site's callee: one, then a second.
local function one() return 1 end
local function two() return 2 end
local function caller(f) return f() end
caller(one)
show("one callee", site(caller, "TAILCALL"))
caller(two)
show("two callees", site(caller, "TAILCALL"))

-- Branch directions.
local function br(x) if x then return 1 end return 2 end
br(true)
show("taken once", site(br, "TEST"))
br(false)
show("both ways", site(br, "TEST"))

-- The window: stable after 2000 quiet events, not before.
local function inc(x) return x + 1 end
for i = 1, 1999 do inc(i) end
print("1999 calls, stable", jolt.profile(inc).stable)
for i = 1, 10 do inc(i) end
p = jolt.profile(inc)
print("2009 calls, stable", p.stable, "stability", p.stability)
-- Stable: a new operand type is no longer recorded.
print(inc(0.5))
show("stable, after a float", site(inc, "ADDI"))

-- Loop back-edges count too: one call with a long loop becomes stable within it.
local function sum(n) local s = 0 for i = 1, n do s = s + i end return s end
print(sum(3000))
p = jolt.profile(sum)
print("one call", p.calls, "backedges", p.backedges, "stable", p.stable)

-- The field cache keeps working when stable, and a new shape reopens the window.
local function gety(o) return o.y end
local a, b = {y = 1}, {x = 0, y = 2}
local s = 0
for i = 1, 3000 do s = s + gety(i % 2 == 0 and a or b) end
print(s, "stable", jolt.profile(gety).stable)
print(gety({x = 0, z = 0, y = 5}))
show("new shape when stable", site(gety, "GETFIELD"))
print("stable", jolt.profile(gety).stable)
