-- memory churn: tables, strings, closures, coroutines; the heap stays bounded
local live = {}
local maxkb = 0
for i = 1, 6000 do
  local t = {i, tostring(i), name = "n" .. i % 100}
  t.f = function() return t[1] end
  live[i % 1000] = t
  if i % 3 == 0 then live[(i * 7) % 1000] = string.rep("x", i % 200) end
  if i % 1000 == 0 then
    local co = coroutine.wrap(function(a) local s = coroutine.yield(a + 1) return s * 2 end)
    assert(co(i) == i + 1 and co(3) == 6)
    local kb = collectgarbage("count")
    if kb > maxkb then maxkb = kb end
  end
end
print("bounded", maxkb < 20000)
local sum = 0
for k, v in pairs(live) do if type(v) == "table" then sum = sum + v.f() - v[1] end end
print("consistent", sum)

-- long strings as keys, interned short strings
local keys = {}
for i = 1, 2000 do keys[string.rep("k", 50) .. i] = i end
collectgarbage()
local s = 0
for i = 1, 2000 do s = s + keys[string.rep("k", 50) .. i] end
print("long keys", s)

-- closures keep their upvalues alive across collections
local function counter()
  local c = 0
  return function() c = c + 1 return c end
end
local cs = {}
for i = 1, 100 do cs[i] = counter() end
for r = 1, 3 do for i = 1, 100 do cs[i]() end collectgarbage() end
print("upvalues", cs[1](), cs[100]())

-- a suspended coroutine keeps its stack alive
local co = coroutine.create(function()
  local t = {}
  for i = 1, 100 do t[i] = {i} end
  coroutine.yield()
  local s = 0 for i = 1, 100 do s = s + t[i][1] end
  return s
end)
coroutine.resume(co)
collectgarbage(); collectgarbage()
print("coroutine stack", coroutine.resume(co))
