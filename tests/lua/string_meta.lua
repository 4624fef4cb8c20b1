-- the string metatable: __index, and arithmetic on numeric strings through its metamethods
local function try(f, ...)
  local r = table.pack(pcall(f, ...))
  for i = 1, r.n do r[i] = tostring(r[i]) end
  print(table.concat(r, "\t", 1, r.n))
end
local mt = getmetatable("")
print(type(mt), mt.__index == string, rawequal(getmetatable("a"), getmetatable("b")))
local names = {}
for k in pairs(mt) do names[#names + 1] = k end
table.sort(names)
print(table.concat(names, " "))

-- coercions keep Lua's integer/float distinction
print("10" + 1, "3.0" + 1, "0x10" * "2", 10 // "3", "7" % "2", 2 ^ "2", -"2", "10" / "4")
print(math.type("10" + 1), math.type("10" + 1.0), math.type("1e1" + 0), math.type(-"2"), math.type(-"2.0"))
print(" 5 " + 0, "5" - "7", "2" * "3", "7" // "2.0", "-7" % "3", "1" / "0", -"-0")
print("9223372036854775807" + 1, "9223372036854775808" + 0, "0x7fffffffffffffff" + 1)
print(1 + "  0x1p4  ", "1e308" * "10", "inf" == nil)
print(10 - "3", 10 .. "3", "3" .. 10)

-- what cannot convert
try(function() return "abc" + 1 end)
try(function() return 1 + "abc" end)
try(function() local s = "abc"; return s * 2 end)
try(function() return "10" + {} end)
try(function() return {} + "10" end)
try(function() return -"x" end)
try(function() return "1" // "0" end)
try(function() return "1" % "0" end)
try(function() return "" + 1 end)
try(function() return "1 2" + 1 end)
try(function() return "10" + nil end)
try(function() return "10" ^ true end)

-- the other operand's metamethod is used when the string does not convert
local V = setmetatable({}, {__add = function(a, b) return "V.add" end,
                            __sub = function(a, b) return "V.sub" end,
                            __unm = function(a) return "V.unm" end})
print("x" + V, V + "x", "1" - V, V - "1")
try(function() return "x" * V end)

-- bitwise operations do not go through the string metatable
try(function() return "10" & 1 end)
try(function() return "1.5" | 1 end)
try(function() return ~"a" end)

-- the metamethods can be called directly
print(mt.__add("1", "2"), mt.__sub(5, "2"), mt.__unm("3", "3"), mt.__idiv("7", 2), mt.__pow(2, "10"))
try(mt.__add, "a", "b")
try(mt.__mod, {}, "b")

-- method calls on strings and numbers
print(("abc"):upper(), ("%d-%d"):format(1, 2), ("x"):rep(3, ","), #("abc"):reverse())
try(function() return ("x"):nosuchmethod() end)
print(("abc").len, ("abc").nosuch)

-- which strings convert: the same rules as tonumber
for _, s in ipairs({"inf", "nan", "0x", "1e", " 1 ", "0x1p-2", "1.", ".5", "0x.8", "1e+2", "\t7\n",
                    "1 2", "--1", "+3", "- 3", "0x10p", "1e400", "-0", "9223372036854775808",
                    "-9223372036854775809", "0xffffffffffffffffff", "1\0"}) do
  local ok, v = pcall(function() return s + 0 end)
  print(("%q"):format(s), ok, ok and math.type(v) or "", ok and v or v:match("attempt.*"))
end
