-- lang_goto_close: goto and labels, <const> and <close> variables.
-- goto as continue, backward goto as a loop, nested blocks.
local out = {}
for i = 1, 10 do
  if i % 3 == 0 then goto continue end
  out[#out + 1] = i
  ::continue::
end
print("continue", table.concat(out, " "))
do
  local n = 0
  ::top::
  n = n + 1
  if n < 5 then goto top end
  print("backward", n)
end
do
  local found
  for i = 1, 5 do
    for j = 1, 5 do
      if i * j == 12 then found = i .. "x" .. j; goto done end
    end
  end
  ::done::
  print("break out", found)
end
-- A closure made inside a goto loop captures a fresh local each time around.
do
  local fs, i = {}, 1
  ::again::
  local v = i * 2
  fs[i] = function() return v end
  i = i + 1
  if i <= 3 then goto again end
  print("goto closures", fs[1](), fs[2](), fs[3]())
end
-- A label at the end of a block is visible even past locals declared before it.
do
  goto finish
  local skipped = 1
  ::finish::
end
print("label at end ok")
-- <const>
local K <const> = 42
local S <const> = "str"
local function useK() return K + 1, S .. "!" end
print("const", K, useK())
-- <close>: closed in reverse order at block exit, by break, return and error.
local log = {}
local function closer(name)
  return setmetatable({}, {__close = function(_, err) log[#log + 1] = name .. "(" .. tostring(err) .. ")" end})
end
do
  local a <close> = closer("a")
  local b <close> = closer("b")
  local c <close> = nil
  local d <close> = false
  log[#log + 1] = "body"
end
print("close order", table.concat(log, " ")); log = {}
for i = 1, 3 do
  local x <close> = closer("it" .. i)
  if i == 2 then break end
end
print("close break", table.concat(log, " ")); log = {}
local function ret()
  local x <close> = closer("ret")
  return "value"
end
print("close return", ret(), table.concat(log, " ")); log = {}
local ok, err = pcall(function()
  local x <close> = closer("e1")
  local y <close> = closer("e2")
  error("boom")
end)
print("close error", ok, err, table.concat(log, " ")); log = {}
-- An error inside __close replaces the original error.
ok, err = pcall(function()
  local x <close> = setmetatable({}, {__close = function() error("in close", 0) end})
  error("original", 0)
end)
print("close replaces", ok, err)
ok, err = pcall(function()
  local x <close> = setmetatable({}, {__close = function(_, e) log[#log + 1] = tostring(e) end})
  local y <close> = setmetatable({}, {__close = function() error("second", 0) end})
  return 1
end)
print("close chain", ok, err, table.concat(log, " ")); log = {}
-- A value without __close is rejected at the declaration.
ok, err = pcall(function() local z <close> = {} end)
print("close nonclosable", ok, err)
ok, err = pcall(function() local z <close> = 42 end)
print("close number", ok, err)
-- Closing in a coroutine that is closed while suspended.
local co = coroutine.create(function()
  local r <close> = closer("co")
  coroutine.yield(1)
end)
print("co resume", coroutine.resume(co))
print("co close", coroutine.close(co), coroutine.status(co), table.concat(log, " ")); log = {}
-- Tail position return with a tbc variable is not a tail call; results are kept.
local function tbcret(...)
  local x <close> = closer("tr")
  return select("#", ...), ...
end
print("tbc results", tbcret(1, nil, 3), table.concat(log, " ")); log = {}
