-- coroutines and the collector: suspended coroutines are collected (their C stacks freed),
-- running ones are kept, finished ones release their stacks at once
local weak = setmetatable({}, {__mode = "k"})
for i = 1, 50 do
  local co = coroutine.create(function(x) local big = {x} coroutine.yield(big) return x end)
  coroutine.resume(co, i)
  weak[co] = i
end
collectgarbage()
collectgarbage()
local left = 0
for _ in pairs(weak) do left = left + 1 end
print("suspended left after collect", left)
-- a suspended coroutine kept alive still works after collections
local keep = coroutine.create(function(a) local t = {} for i = 1, 100 do t[i] = tostring(i) end
  local b = coroutine.yield(#t) collectgarbage() return a + b, t[100] end)
print(coroutine.resume(keep, 1))
for _ = 1, 3 do local junk = {} for i = 1, 1000 do junk[i] = {i} end collectgarbage() end
print(coroutine.resume(keep, 2))
-- upvalues shared between a collected coroutine and a live closure survive
local getter
do
  local co = coroutine.create(function()
    local shared = "shared value"
    getter = function() return shared end
    coroutine.yield()
    shared = "never"
  end)
  coroutine.resume(co)
end
collectgarbage()
collectgarbage()
print(getter())
-- many short-lived coroutines, some left suspended, with collections in between
local total = 0
for i = 1, 5000 do
  local co = coroutine.wrap(function(a) local b = coroutine.yield(a * 2) total = total + b end)
  total = total + co(i)
  if i % 3 == 0 then co(1) end
  if i % 1000 == 0 then collectgarbage() end
end
print(total)
-- generational and incremental modes both keep coroutines consistent
for _, mode in ipairs{"incremental", "generational"} do
  collectgarbage(mode)
  local gens = {}
  for i = 1, 100 do gens[i] = coroutine.wrap(function() for j = 1, 3 do coroutine.yield(i * j) end end) end
  local s = 0
  for round = 1, 3 do
    for i = 1, 100 do s = s + gens[i]() end
    collectgarbage("step")
  end
  print(mode, s)
end
-- as in lua5.4, collecting a suspended coroutine does not run its pending __close variables
do
  local co = coroutine.create(function()
    local x <close> = setmetatable({}, {__close = function() print("closed by the collector") end})
    coroutine.yield()
  end)
  coroutine.resume(co)
end
collectgarbage()
collectgarbage()
print("after collect")
