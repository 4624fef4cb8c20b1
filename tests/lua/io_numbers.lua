-- io read("n"): Lua's numeral reader on edge cases (what it accepts, what it leaves unread)
local cases = {"0", "-0", "+1", "1.", ".5", "..5", "1e5", "1E+5", "1e-", "1e+x", "0x", "0xg", "0x1p4", "0x1P-1", "0x.", "0x.1",
  "1.2.3", "--1", "+-1", "0b1", "00012", "1e308", "1e309", "-1e309", "0x7fffffffffffffff", "0xffffffffffffffff",
  "9223372036854775807", "9223372036854775808", "-9223372036854775808", "inf", "nan", "1_000", " \t\n 7", "", "-", "x1",
  "3.14abc", "0X1A", "1e1e1", "0x1e+1", "5 6", "1" .. string.rep("0", 198), "1" .. string.rep("0", 199), "1" .. string.rep("0", 200)}
local name = os.tmpname()
for _, c in ipairs(cases) do
  local f = io.open(name, "w"); f:write(c); f:close()
  f = io.open(name)
  local v = f:read("n")
  local rest = f:read("a")
  f:close()
  print(string.format("%q", c:sub(1, 12)), math.type(v) or tostring(v), v, #rest)
end
os.remove(name)
