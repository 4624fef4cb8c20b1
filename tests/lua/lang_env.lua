-- lang_env: globals, _ENV, load with environments, chunk results, misc base functions.
x_global = 5
print("global", x_global, _G.x_global, _ENV == _G, _G._G == _G)
do
  local _ENV = {print = print, tostring = tostring}
  y = 10
  print("local _ENV", y, tostring(x_global))
end
print("after", y, x_global)
local function withenv()
  local _ENV = setmetatable({}, {__index = _G})
  z_only_here = 1
  return z_only_here, _G.z_only_here
end
print("env fn", withenv())
-- load: text chunks, env argument, chunk names, returning values, reader functions
local env = {val = 7}
local f = load("val = val * 6; return val", "=envchunk", "t", env)
print("load env", f(), env.val, val)
local parts, i = {"return ", "1 ", "+ ", "41"}, 0
local g = load(function() i = i + 1; return parts[i] end)
print("load reader", g())
print("load nil reader", load(function() return nil end)())
print("load empty", load("")())
print("load returns", select("#", load("return 1, 2, 3")()))
local up = load("local a = ... ; return function() return a end")
print("load closure", up(9)())
print("load upvalue is _ENV", load("return _ENV")() == _G)
-- dostring-like round trip of values through string.format %q
local vals = {1, -1, 0.5, math.maxinteger, math.mininteger, "a\nb\0c\"", 1e300, -0.0}
for _, v in ipairs(vals) do
  local back = load("return " .. string.format("%q", v))()
  print("roundtrip", math.type(back) or type(back), back == v)
end
-- select, type, tostring, rawequal with assorted values
print("type", type(nil), type(1), type("s"), type({}), type(print), type(true), type(coroutine.create(print)))
print("tostring", tostring(nil), tostring(false), tostring(12), tostring(-1.5))
-- next / pairs with explicit next
local cnt = 0
for k, v in next, {a = 1, b = 2} do cnt = cnt + v end
print("next loop", cnt)
-- collectgarbage options that return stable values
print("gc", collectgarbage("isrunning"), type(collectgarbage("count")), collectgarbage("step") ~= nil,
  collectgarbage() == 0)
-- print uses __tostring and __name
print(setmetatable({}, {__tostring = function() return "I am T" end}))
print("print nums", 1, 1.0, -0.0, 1e15, 1e16, 2^63, math.mininteger, 0x10, 0xA.8p0)
print("print many", nil, false, true, "")
-- integer keys and string keys are distinct
local t = {}
t[1] = "a"; t["1"] = "b"
print("distinct", t[1], t["1"])
-- long chains of and/or, not, comparisons producing values
local n = nil
print("logic", n or "default", n and 1, false or nil, 0 and "zero is true", "" and "empty is true", not nil, not 0)
print("logic chain", 1 and 2 or 3, nil and 2 or 3, false or false and 1, (1 < 2) == true)
-- string/number equality never coerces
print("no coerce eq", 1 == "1", "1" + 0 == 1, 0 == -0)
-- multiple assignment evaluates right side before assigning
local p, q = 1, 2
p, q = q, p
local arr = {1, 2}
arr[1], arr[2] = arr[2], arr[1]
print("swap", p, q, arr[1], arr[2])
-- integer division/modulo used for digit extraction
local digits = {}
local num = 9876543210
while num > 0 do digits[#digits + 1] = num % 10; num = num // 10 end
print("digits", table.concat(digits))
-- os and io basics that are deterministic
print("os", type(os.time()), type(os.clock()), os.getenv("JOLT_SURELY_UNSET_VAR"))
io.write("io.write", " ", 1, " ", 2.5, "\n")
print("date fixed", os.date("!%Y-%m-%d %H:%M:%S", 0), os.time({year = 2000, month = 1, day = 1, hour = 12}) ~= nil)
