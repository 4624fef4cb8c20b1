-- lang_arith: integer and float arithmetic, division and modulo signs, overflow, bitwise ops.
local function show(label, ...)
  local t = table.pack(...)
  for i = 1, t.n do t[i] = string.format("%s:%s", math.type(t[i]) or type(t[i]), tostring(t[i])) end
  print(label, table.concat(t, " "))
end

local maxi, mini = math.maxinteger, math.mininteger
show("add", 1 + 2, 1 + 2.0, 0.1 + 0.2, maxi + 1 == mini, mini - 1 == maxi)
show("sub", 5 - 7, 5.5 - 0.5, -0.0 - 0.0, 0 - mini)
show("mul", 6 * 7, 6 * 7.0, maxi * 2, 3 * -0.0, 1e308 * 10)
show("div", 7 / 2, 8 / 2, -7 / 2, 1 / 0, -1 / 0, 0 / 0 ~= 0 / 0)
show("idiv int", 7 // 2, -7 // 2, 7 // -2, -7 // -2, 0 // 5, mini // -1)
show("idiv float", 7.0 // 2, -7 // 2.0, 7.5 // -2, 1 // 0.0, -1 // 0.0, 0.0 // 1)
show("mod int", 7 % 3, -7 % 3, 7 % -3, -7 % -3, 0 % 3, mini % -1, maxi % mini)
show("mod float", 7.5 % 2, -7.5 % 2, 7.5 % -2, 5 % math.huge, -5 % math.huge, 5 % -math.huge)
show("mod float2", 3.0 % 0.5, -0.0 % 1, 1e308 % 3)
show("pow", 2 ^ 10, 2 ^ 0.5, (-8) ^ (1 / 3) ~= (-8) ^ (1 / 3), 0 ^ 0, 10 ^ -2)
show("unm", -maxi, -mini == mini, -(0.0), -(-3))
show("band", 0xF0 & 0x3C, -1 & 255, 3.0 & 1, 2^53 & 3)
show("bor bxor", 0xF0 | 0x0F, 5 ~ 3, ~0, ~5)
show("shift", 1 << 62, 1 << 63, 1 << 64, -1 >> 1, -1 >> 63, -1 >> 64, 8 >> -1, 1 << -1)
show("shift big", 1 << 100, 3 >> 200, 1 << mini)
show("cmp int/float", 1 == 1.0, 2^53 == 2^53 + 1, maxi + 0.0 == maxi, maxi < maxi + 0.0, mini == mini + 0.0)
show("cmp mixed", 1 < 1.5, -1 > -1.5, math.huge > maxi, -math.huge < mini, (0/0) < 1, (0/0) > 1)
show("eq", 0.0 == -0.0, "1" == 1, 3 ~= 3.0)

-- String coercions in arithmetic.
show("coerce", "10" + 1, "10" * "2", "3.5" + 1, " 0x10 " + 0, "1e2" + 0, 10 .. "", 1.5 .. "|")
show("coerce2", "10" // "3", "-7" % "3", "2" ^ "3", -"2", - "2.5")
for _, s in ipairs({"abc", "", "1 2", "0x", "1e", "--1"}) do
  local ok, err = pcall(function() return s + 1 end)
  print("coerce err", s, ok, err)
end

-- Integer/float conversions.
show("tointeger", math.tointeger(3.0), math.tointeger(3.5), math.tointeger("8"), math.tointeger(2^63))
show("floor ceil", math.floor(3.7), math.ceil(3.2), math.floor(-3.5), math.ceil(-3.5), math.floor(2^62 + 0.0))
show("floor big", math.floor(1e100), math.ceil(-1e100), math.floor(-0.0))
show("fmod", math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7, -3), math.fmod(-7.5, 2), math.fmod(mini, -1))
show("modf", math.modf(3.7)); show("modf", math.modf(-3.7)); show("modf", math.modf(math.huge))
show("abs", math.abs(-3), math.abs(-3.5), math.abs(mini), math.abs(-0.0))
show("max min", math.max(1, 2.5, 2), math.min(3, 1.0, 1), math.max(-0.0, 0), math.min(4))
show("ult", math.ult(1, 2), math.ult(-1, 2), math.ult(2, -1))
show("type", math.type(1), math.type(1.0), math.type("1"), math.type(nil))
for _, e in ipairs({"1 // 0", "1 % 0", "mini // 0", "1.5 & 1", "' 7' & 3", "'a' | 1", "2^64 | 0", "{} + 1"}) do
  local f = load("local mini = math.mininteger return " .. e)
  print("err", e, pcall(f))
end

-- Number to string and back.
local floats = {1.0, -1.0, 0.1, 1/3, 1e15, 1e16, 123456789012345.0, 2^53, 2^63, 1e100, -1e-100,
  math.pi, 100.0, -0.0, 3.14159265358979, 1e300 * 1e10, -(1e300 * 1e10), 5e-324}
for i, f in ipairs(floats) do print("tostring", i, f, string.format("%.17g", f), tonumber(tostring(f)) == f) end
local ints = {0, 1, -1, maxi, mini, 1000000, -987654321}
for i, n in ipairs(ints) do print("int", i, n, n + 0.0, tostring(n)) end
local strs = {"0x7fffffffffffffff", "0xffffffffffffffff", "9223372036854775807", "9223372036854775808",
  "-9223372036854775808", "1e1", " 12 ", "0x1p4", "0x.8", "1.", ".5", "0x", "1e+", "inf", "nan",
  "  -0x10  ", "1 ", "\t7\n", "0b101", "1_000", "00012", "-0", "3.0"}
for _, s in ipairs(strs) do
  local n = tonumber(s)
  print("tonumber", string.format("%q", s), n, math.type(n))
end
show("tonumber base", tonumber("ff", 16), tonumber("FF", 16), tonumber("777", 8), tonumber("zz", 36),
  tonumber("102", 2), tonumber("-ff", 16), tonumber(" 11 ", 2), tonumber("1.5", 10))
show("tonumber misc", tonumber(nil), tonumber(true), tonumber({}), tonumber(12), tonumber(1.5))

-- Integer overflow wraps; float keys equal to integers are normalized.
local t = {}
t[1.0] = "one"; t[2^53] = "big"; t[-0.0] = "zero"
print("keys", t[1], t[math.tointeger(2^53)], t[0], #t)
local acc = 0
for i = 1, 100 do acc = acc * 31 + i end
print("hash wrap", acc)
local f = 1
for i = 1, 25 do f = f * i end
print("factorial wrap", f)
print("string.format", string.format("%d %5.1f %g %g %g", 42, 3.14159, 1e20, 0.1, 100))
print("%.3f", string.format("%.3f", 2 / 3), string.format("%5d|%-5d|%05d", 42, 42, 42))
print("%x", string.format("%x %X %o", 255, 255, 8), string.format("%i", 7))
print("%g", string.format("%g %g %g", 1 / 0, -1 / 0, 2 ^ 63))
