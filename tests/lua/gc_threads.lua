-- threads and upvalues under collection: open upvalues of suspended, unreachable coroutines,
-- values reachable only from a coroutine's stack, dead coroutines collected
local getter, setter
do
  local co = coroutine.create(function()
    local v = {"initial"}
    getter = function() return v[1] end
    setter = function(x) v = {x} end
    coroutine.yield()
    return v[1]
  end)
  coroutine.resume(co)
end
-- the coroutine is now unreachable except through the open upvalue `v`
for i = 1, 3 do
  setter("value" .. i)
  local junk = {}
  for j = 1, 1000 do junk[j] = {j} end
  collectgarbage()
  print("open upvalue", getter())
end

-- a value held only in a suspended coroutine's registers
local co = coroutine.wrap(function()
  local held = {}
  for i = 1, 100 do held[i] = tostring(i) end
  coroutine.yield()
  local s = 0
  for i = 1, 100 do s = s + tonumber(held[i]) end
  coroutine.yield(s)
end)
co()
collectgarbage(); collectgarbage()
print("suspended stack", co())

-- dead coroutines and their finalizers
local weak = setmetatable({}, {__mode = "v"})
for i = 1, 20 do
  local c = coroutine.create(function(x) coroutine.yield(x) end)
  coroutine.resume(c, i)
  weak[i] = c
end
collectgarbage(); collectgarbage()
local left = 0
for _ in pairs(weak) do left = left + 1 end
print("coroutines collected", left)

-- finalizers running while a coroutine is suspended, and a finalizer that resumes one
local log = {}
local worker = coroutine.wrap(function()
  while true do log[#log + 1] = coroutine.yield() end
end)
worker()
do setmetatable({}, {__gc = function() worker("from gc") end}) end
collectgarbage()
print("finalizer resumed", log[1])

-- closures sharing an upvalue across collections
local fs = {}
for i = 1, 10 do
  local shared = i
  fs[i] = {function() shared = shared + 1 end, function() return shared end}
end
for r = 1, 3 do
  for i = 1, 10 do fs[i][1]() end
  collectgarbage("step")
end
collectgarbage()
local s = 0
for i = 1, 10 do s = s + fs[i][2]() end
print("shared upvalues", s)
