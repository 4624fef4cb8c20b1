-- conformance: collectgarbage options and modes, warn @on/@off, __gc order and resurrection, ephemerons, __close on errors and coroutine.close
local function try(...) print(pcall(...)) end
print(collectgarbage("isrunning"), collectgarbage("stop"), collectgarbage("isrunning"), collectgarbage("restart"), collectgarbage("isrunning"))
print(collectgarbage("incremental"), collectgarbage("incremental"), collectgarbage("generational"), collectgarbage("generational"), collectgarbage("incremental"))
print(collectgarbage("incremental", 100, 200, 10), collectgarbage("incremental", 0, 0, 0))
print(collectgarbage("generational", 10, 50), collectgarbage("generational", 0, 0))
print(collectgarbage("incremental"))
print(collectgarbage("setpause", 150), collectgarbage("setpause", 200), collectgarbage("setpause"))
print(collectgarbage("setstepmul", 300), collectgarbage("setstepmul", 100), collectgarbage("setstepmul"))
print(collectgarbage(), collectgarbage("collect"), math.type(collectgarbage("count")), collectgarbage("count") > 0)
print(select('#', collectgarbage("count")))
print(collectgarbage("step", 0) ~= nil, type(collectgarbage("step", 1e9)), collectgarbage("step", -1) ~= nil)
try(collectgarbage, "bogus")
try(collectgarbage, 1)
try(collectgarbage, "step", "x")
try(collectgarbage, "setpause", "x")
try(collectgarbage, "incremental", "x")
try(collectgarbage, "step", 1.5)
print(pcall(collectgarbage, "count", 1) and "count ok")
collectgarbage("stop")
local done = false
for i = 1, 100000 do if collectgarbage("step") then done = true break end end
print(done, collectgarbage("isrunning"))
collectgarbage("restart")
-- warn
warn("@on")
warn("hello ", "world")
warn("@off")
warn("hidden")
warn("@on")
warn("@unknown")
warn("x", "@on")
try(warn)
try(warn, 1, {})
try(warn, "a", nil)
print(pcall(warn, 1, 2))
warn("@off")
-- gc order / resurrection
local order = {}
-- kept alive until all five die in the same cycle (a stress build collects at every allocation)
local keep = {}
for i = 1, 5 do keep[i] = setmetatable({}, {__gc = function() order[#order + 1] = i end}) end
keep = nil
collectgarbage()
print(table.concat(order, " "))
local saved
do local t = setmetatable({name = "r"}, {__gc = function(o) saved = o end}) end
collectgarbage(); print(saved and saved.name)
saved = nil; collectgarbage(); collectgarbage(); print(saved)
-- __gc set after setmetatable is not honoured
local hit = false
do local mt = {}; setmetatable({}, mt); mt.__gc = function() hit = true end end
collectgarbage(); print(hit)
-- __gc field non-function
do setmetatable({}, {__gc = 1}) end
collectgarbage()
do setmetatable({}, {__gc = function() error("in gc") end}) end
warn("@on")
collectgarbage()
warn("@off")
-- ephemerons
local e = setmetatable({}, {__mode = "k"})
do local k1, k2 = {}, {}; e[k1] = k2; e[k2] = k1; e[{}] = {} end
local kk = {}; e[kk] = {ref = kk}
collectgarbage(); collectgarbage()
local n = 0 for _ in pairs(e) do n = n + 1 end print("ephemeron", n)
local w = setmetatable({}, {__mode = "v"}); w[1] = {}; w[2] = "str"; w[3] = 4; collectgarbage(); print(w[1], w[2], w[3])
-- gc mode strings
local kv = setmetatable({}, {__mode = "kv"}); kv[{}] = 1; kv[1] = {}; collectgarbage(); print(next(kv))
-- close
do
  local ok, err = pcall(function()
    local a <close> = setmetatable({}, {__close = function(_, e) print("close a", e) end})
    local b <close> = setmetatable({}, {__close = function(_, e) print("close b", e); error("in b") end})
    error("boom")
  end)
  print(ok, err)
end
local co = coroutine.create(function()
  local a <close> = setmetatable({}, {__close = function(_, e) print("co close", e) end})
  coroutine.yield(1)
end)
coroutine.resume(co)
print(coroutine.close(co), coroutine.status(co))
local co = coroutine.create(function()
  local a <close> = setmetatable({}, {__close = function(_, e) error("cerr") end})
  coroutine.yield(1)
end)
coroutine.resume(co)
print(coroutine.close(co))
local co = coroutine.create(function() error({}) end)
print(coroutine.resume(co)); print(coroutine.close(co))
print(coroutine.close(coroutine.create(print)))
try(coroutine.close, coroutine.running())
local co; co = coroutine.create(function() return coroutine.close(co) end)
print(coroutine.resume(co))
try(function() local x <close> = 1 end)
try(function() local x <close> = {} end)
try(function() local x <close> = nil; local y <close> = false end)

-- finalizers calling the collector, erroring, yielding; weak entries around finalization; generational minor collections; finalizers at exit
do
local function mk(f) setmetatable({}, {__gc = f}) end
mk(function() print("inner", collectgarbage("step"), collectgarbage(), collectgarbage("count") > 0, collectgarbage("isrunning")) end)
collectgarbage()
mk(function() print("inner2", pcall(collectgarbage, "incremental")) end)
collectgarbage()
mk(function() error("from gc") end)
print(pcall(collectgarbage))
warn("@on")
mk(function() error("from gc") end)
collectgarbage()
mk(function() warn("in gc") end)
collectgarbage()
mk(function() coroutine.yield() end)
collectgarbage()
mk(function() local co = coroutine.wrap(function() coroutine.yield(1) end) print("co in gc", co()) end)
collectgarbage()
end
warn('@off')
-- weak tables and finalizers: values cleared before finalization, keys after
local wk = setmetatable({}, {__mode = "k"})
local wv = setmetatable({}, {__mode = "v"})
local seen = {}
do
  local o = setmetatable({id = "o"}, {__gc = function(o)
    seen[#seen + 1] = "gc " .. tostring(wk[o]) .. " " .. tostring(wv[1] == o)
  end})
  wk[o] = "keyed"; wv[1] = o
end
collectgarbage()
print(table.concat(seen, ","), wv[1], next(wk))
collectgarbage()
print(next(wk))
-- resurrection keeps fields alive, finalizer runs only once
local store = {}
do setmetatable({inner = {v = 42}}, {__gc = function(o) store[#store + 1] = o end}) end
collectgarbage(); collectgarbage()
print(#store, store[1] and store[1].inner.v)
store = {}
collectgarbage()
print(#store)
-- re-registering with setmetatable inside __gc
local count = 0
local mt = {}
mt.__gc = function(o) count = count + 1; if count < 3 then setmetatable(o, mt) end end
do setmetatable({}, mt) end
for i = 1, 5 do collectgarbage() end
print("regc", count)
-- collectgarbage inside a finalizer
do setmetatable({}, {__gc = function() print("inner collect", collectgarbage("step"), collectgarbage("count") > 0) end}) end
collectgarbage()
-- error objects in __gc warnings
warn("@on")
do setmetatable({}, {__gc = function() error({}) end}) end
collectgarbage()
do setmetatable({}, {__gc = function() error("s", 0) end}) end
collectgarbage()
do setmetatable({}, {__gc = function() error(12) end}) end
collectgarbage()
warn("@off")
-- generational mode: objects survive minor collections correctly
collectgarbage("generational")
local keep = {}
for i = 1, 20000 do keep[i % 100 + 1] = {i} end
local old = {} for i = 1, 100 do old[i] = {} end
collectgarbage("step"); collectgarbage("step")
for i = 1, 100 do old[i].new = {i} end
for i = 1, 50000 do local _ = {i} end
local sum = 0 for i = 1, 100 do sum = sum + old[i].new[1] end
print("gen", sum, collectgarbage("isrunning"))
local wg = setmetatable({}, {__mode = "k"})
for i = 1, 100 do wg[{}] = i end
collectgarbage("step")
collectgarbage()
print("gen weak", next(wg))
collectgarbage("incremental")
-- threads and closures finalized
local cot = setmetatable({}, {__mode = "v"})
cot[1] = coroutine.create(function() coroutine.yield() end)
coroutine.resume(cot[1])
cot[2] = function() return cot end
collectgarbage()
print("threads", cot[1], cot[2])
-- strings are not weak
local ws = setmetatable({}, {__mode = "kv"})
ws["key" .. 1] = "val" .. 1; ws[1] = 2.5; ws[true] = "x"
collectgarbage()
print(ws.key1, ws[1], ws[true])
-- finalizers at exit run in reverse order of marking
local atexit = {}   -- alive until the state closes, even under a collection per allocation
for i = 1, 3 do atexit[i] = setmetatable({}, {__gc = function() print("exit gc", i) end}) end
local _ = setmetatable({}, {__gc = function() print("exit gc live") end})
print("end")
