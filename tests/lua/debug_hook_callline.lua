-- call hooks see the called function at its first instruction, as lua5.4 does: currentline is
-- that instruction's line (not the line of the definition), and in a vararg function the line
-- of the instruction after its VARARGPREP; locals and names at that point
local function show(ev)
  local i = debug.getinfo(2, "lSn")
  if i.what ~= "C" and i.short_src:find("callline") then
    print(ev, i.name, i.currentline, i.linedefined, (debug.getlocal(2, 1)))
  end
end

local function fixed(a)

  local x = a + 1   -- first instruction here
  return x
end

local function va(...)
  -- a comment

  return select("#", ...)
end

local function va2(a, b, ...)
  local t = {...}
  return a + b + #t
end

local function empty() end

local function tail(n)
  if n == 0 then return 0 end
  return tail(n - 1)
end

local obj = {}
function obj:m(
  x)
  return
    self, x
end

debug.sethook(show, "c")
fixed(1)
va(1, 2)
va2(1, 2, 3)
empty()
tail(2)
obj:m(5)
debug.sethook()

-- the same lines from a traceback taken in the hook
debug.sethook(function(ev)
  local i = debug.getinfo(2, "S")
  if i.short_src:find("callline") and i.linedefined > 0 then
    print((debug.traceback("tb", 2):gsub("\n%s*%[C%].*", "")))
  end
end, "c")
fixed(2)
va(3)
debug.sethook()

-- call and tail-call events of coroutines and pcall'd functions
local co = coroutine.create(function(a)
  local b = a * 2
  return b
end)
debug.sethook(co, function(ev)
  local i = debug.getinfo(2, "l")
  print("co", ev, i.currentline)
end, "c")
print(coroutine.resume(co, 4))
debug.sethook(show, "c")
print(pcall(fixed, 10))
debug.sethook()

-- stripped functions: the first instruction is a line event (line nil)
do
  local function f(a)
    local x = a + 1
    for i = 1, 2 do x = x + i end
    return x
  end
  local s = load(string.dump(f, true))
  local ev = {}
  debug.sethook(function(e, l) ev[#ev+1] = e .. ":" .. tostring(l) end, "l")
  s(1)
  debug.sethook()
  print(table.concat(ev, " "))
  ev = {}
  local function v(...) return ... end
  local sv = load(string.dump(v, true))
  debug.sethook(function(e, l) ev[#ev+1] = e .. ":" .. tostring(l) end, "lc")
  sv(1)
  debug.sethook()
  print(table.concat(ev, " "))
  ev = {}
  debug.sethook(function(e, l) ev[#ev+1] = e .. ":" .. tostring(l) .. ":" .. tostring(debug.getinfo(2, "l").currentline) end, "l")
  s(1)
  debug.sethook()
  print(table.concat(ev, " "))
end
