-- Field sites that see more than two shapes, absent fields, fields removed, and metatables with
-- __index / __newindex that appear after the loop got hot; a method site whose class changes.
local mk = {
  function(i) return {x = i, y = i * 2} end,
  function(i) return {y = i, x = 3} end,
  function(i) local o = {x = i} o.y = 1.5 o.z = i return o end,
  function(i) return {x = i} end,
  function(i) return setmetatable({x = i}, {__index = function(t, k) return #k end}) end,
  function(i) return setmetatable({}, {__index = {x = 7, y = 8}}) end,
  function(i) local o = {x = i, y = i, w = 0} o.w = nil return o end,
  function(i) return setmetatable({x = 1}, {__index = setmetatable({y = 2}, {__index = function() return 0.5 end})}) end,
}
local function shapes(nk)
  local acc, cnt = 0, 0
  local obj = {cnt = 0}
  for i = 1, 4000 do
    local o = mk[i <= 1500 and 1 or (i % nk) + 1](i)
    acc = acc + o.x + (o.y or 0) + (o.z or 1)
    o.x = (o.x or 0) + 1
    if i % 3 == 0 then o.y = nil end
    acc = acc + o.x + (o.y or 0)
    obj.cnt = obj.cnt + 1
    if i == 2000 then
      setmetatable(obj, {__newindex = function(t, k, v) cnt = cnt + 1 rawset(t, k, v) end})
      obj.cnt = nil
      obj.cnt = 0
    elseif i == 3000 then
      obj = setmetatable({}, {__index = {cnt = 10}, __newindex = function(t, k, v) cnt = cnt + 2 rawset(t, k, v) end})
    end
  end
  return acc, obj.cnt, cnt
end
for nk = 2, #mk do print(nk, shapes(nk)) end
local function methods()
  local A = {} A.__index = A
  function A.get(self) return self.v end
  local B = setmetatable({}, {__index = A}) B.__index = B
  function B.get(self) return self.v * 2 end
  local objs = {setmetatable({v = 1}, A), setmetatable({v = 2}, B), setmetatable({v = 3, get = function() return 0 end}, A)}
  local acc = 0
  for i = 1, 3000 do
    local o = objs[i < 1200 and 1 or (i % 3) + 1]
    acc = acc + o:get() + o.v
    if i == 1800 then A.get = function(self) return -self.v end end
  end
  return acc
end
print(methods())
