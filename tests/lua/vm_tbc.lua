-- vm_tbc: to-be-closed variables: order, error objects, returns, loops, errors inside __close.
local function closer(name) return setmetatable({}, {__close = function(o, e) print("close", name, e) end}) end
do
  local a <close> = closer("a")
  local b <close> = closer("b")
  local n <close> = nil
  local f <close> = false
  print("in block")
end
local function ret()
  local x <close> = closer("ret")
  return "r1", "r2"
end
print(ret())
print(pcall(function() local a <close> = closer("err") error("inside") end))
print(pcall(function() local a <close> = closer("obj") error(setmetatable({}, {__tostring = function() return "errobj" end})) end))
print(pcall(function()
  local x <close> = setmetatable({}, {__close = function(o, e) error("close err") end})
  error("orig")
end))
print(pcall(function()
  local x <close> = setmetatable({}, {__close = function(o, e) error("close err2") end})
  local y <close> = closer("y")
  return 1
end))
for i = 1, 3 do
  local c <close> = closer("loop" .. i)
  if i == 2 then break end
end
local function gen()
  local i = 0
  return function() i = i + 1 if i <= 2 then return i end end, nil, nil, closer("for")
end
for i in gen() do print("iter", i) end
for i in gen() do if i == 1 then break end end
print(pcall(function() for i in gen() do error("in for") end end))
local co = coroutine.wrap(function()
  local c <close> = closer("co")
  coroutine.yield("yielded")
  return "done"
end)
print(co()) print(co())
local function tailtbc()
  local c <close> = closer("tail")
  return tostring(1)
end
print(tailtbc())
do
  local ok, err = pcall(function() local a <close> = 42 end)
  print(ok, err)
end
local t = {}
do
  local x <close> = setmetatable({}, {__close = function() t[#t + 1] = "x" end})
  local y <close> = setmetatable({}, {__close = function() t[#t + 1] = "y" end})
end
print(table.concat(t, ","))
