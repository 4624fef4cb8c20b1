-- coroutine edge cases: wrap status, traceback of dead coroutine, nested, varargs, close
local co = coroutine.create(function(...)
  local n = select("#", ...)
  local a, b = coroutine.yield(n, ...)
  return a, b, select("#", coroutine.yield())
end)
print(coroutine.resume(co, nil, nil))
print(coroutine.resume(co, "a"))
print(coroutine.resume(co, 1, 2, 3))
print(coroutine.status(co), coroutine.resume(co))
-- error inside nested coroutines propagates through wrap with positions
local outer = coroutine.wrap(function()
  local inner = coroutine.wrap(function() error("inner error") end)
  inner()
end)
print(pcall(outer))
-- error object non-string through wrap keeps identity
local obj = {}
local w = coroutine.wrap(function() error(obj) end)
local ok, e = pcall(w)
print(ok, e == obj)
-- traceback of a dead coroutine keeps frames
local dead = coroutine.create(function() local function f() error("deep") end f() end)
print(coroutine.resume(dead))
local tb = debug.traceback(dead)
print((tb:gsub("\n", " | ")))
-- yield across nested pcall and error after resume
local c2 = coroutine.create(function()
  local r = {pcall(function()
    local ok2, v = pcall(coroutine.yield, "y1")
    return ok2, v, coroutine.yield("y2")
  end)}
  return table.unpack(r)
end)
print(coroutine.resume(c2))
print(coroutine.resume(c2, "r1"))
print(coroutine.resume(c2, "r2"))
-- yield inside __lt, __concat, __call, __eq metamethods
local mt = {}
mt.__lt = function(a, b) return coroutine.yield("lt") end
mt.__concat = function(a, b) return coroutine.yield("concat") end
mt.__call = function(self, x) return coroutine.yield("call", x) end
mt.__eq = function(a, b) return coroutine.yield("eq") end
local A, B = setmetatable({}, mt), setmetatable({}, mt)
local c3 = coroutine.wrap(function()
  local r1 = A < B
  local r2 = A .. "x"
  local r3 = A(5)
  local r4 = A == B
  return r1, r2, r3, r4
end)
print(c3()) print(c3(true)) print(c3("cat")) print(c3("called")) print(c3(false))
-- yield in a for-in iterator function written in Lua
local function range(n)
  return function(_, i) if i < n then coroutine.yield("step", i) return i + 1 end end, nil, 0
end
local c4 = coroutine.wrap(function() local s = 0 for i in range(3) do s = s + i end return "sum", s end)
for _ = 1, 4 do print(c4()) end
-- close a not-started coroutine, and one with several tbc variables (reverse order)
local ns = coroutine.create(print)
print(coroutine.close(ns), coroutine.status(ns))
local order = {}
local c5 = coroutine.create(function()
  local a <close> = setmetatable({}, {__close = function() order[#order + 1] = "a" end})
  local b <close> = setmetatable({}, {__close = function() order[#order + 1] = "b" end})
  coroutine.yield()
end)
coroutine.resume(c5)
print(coroutine.close(c5), table.concat(order, ","))
print(pcall(coroutine.close, 1))
-- close from inside: running / normal coroutines cannot be closed
local c6
c6 = coroutine.create(function() return pcall(coroutine.close, c6) end)
print(coroutine.resume(c6))
local c7 = coroutine.create(function()
  local parent = coroutine.running()
  local child = coroutine.create(function() return pcall(coroutine.close, parent) end)
  return coroutine.resume(child)
end)
print(coroutine.resume(c7))
-- wrap a dead coroutine
local wd = coroutine.wrap(function() return 1 end)
print(wd())
print(pcall(wd))
-- isyieldable inside a coroutine for another thread
local main = coroutine.running()
print(coroutine.isyieldable(main))
print(coroutine.resume(coroutine.create(function() return coroutine.isyieldable(), coroutine.isyieldable(main) end)))
-- resume a coroutine that is in the normal state
local c8
c8 = coroutine.create(function()
  local c9 = coroutine.create(function() return coroutine.resume(c8) end)
  return coroutine.resume(c9)
end)
print(coroutine.resume(c8))
-- values through many yields
local acc = coroutine.wrap(function(x) local s = 0 while true do s = s + x; x = coroutine.yield(s) end end)
local last
for i = 1, 1000 do last = acc(i) end
print(last)
-- stack growth inside a coroutine (deep Lua recursion, then yield from the bottom)
local c10 = coroutine.wrap(function()
  local function deep(n) if n == 0 then return coroutine.yield("bottom") end return deep(n - 1) + 1 end
  return deep(5000)
end)
print(c10())
print(c10(0))
-- coroutine with many arguments and results
local many = {}
for i = 1, 200 do many[i] = i end
local c11 = coroutine.create(function(...) return select("#", ...), coroutine.yield(...) end)
print(select("#", coroutine.resume(c11, table.unpack(many))))
print(select("#", coroutine.resume(c11, table.unpack(many))))
-- a finalizer cannot yield, even when the collection runs inside a coroutine
local cf = coroutine.wrap(function()
  setmetatable({}, {__gc = function() print("in gc", coroutine.isyieldable(), pcall(coroutine.yield, 1)) end})
  collectgarbage()
  coroutine.yield("after gc")
  return "end"
end)
print(cf())
print(cf())
-- os.exit-free end: a coroutine left suspended at exit is fine
local pending = coroutine.create(function() coroutine.yield() end)
coroutine.resume(pending)
print(coroutine.status(pending))
