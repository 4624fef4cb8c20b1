-- property: string.format, tostring and tonumber round trip over random integers and floats
-- (math.randomseed is xoshiro256** in both interpreters, so every case is the same everywhere)
math.randomseed(20261123)
local fails = 0
local function check(ok, what, v, s)
  if not ok then fails = fails + 1; print("FAIL", what, v, s) end
end
-- a float from 64 random bits: covers subnormals, infinities and NaNs as well
local function randbits() return (string.unpack("<d", string.pack("<i8", math.random(0)))) end
local function randint()
  local k = math.random(4)
  if k == 1 then return math.random(0) end
  if k == 2 then return math.random(-1000, 1000) end
  if k == 3 then return math.random(0) >> math.random(0, 63) end
  return math.random(0) // (1 << math.random(0, 62))
end
local function randfloat()
  local k = math.random(4)
  if k == 1 then return randbits() end
  if k == 2 then return math.random(-10^6, 10^6) / 1000 end
  if k == 3 then return math.random() * 10.0 ^ math.random(-320, 308) end
  return math.random(-2^53, 2^53) + 0.0
end

for i = 1, 400 do
  local n = randint()
  local d, x, t = string.format("%d", n), string.format("%x", n), tostring(n)
  check(tonumber(d) == n and math.type(tonumber(d)) == "integer", "%d", n, d)
  check(tonumber("0x" .. x) == n, "%x", n, x)   -- hex integers wrap around, so all 64 bits come back
  check(tonumber(x, 16) == n, "base 16", n, x)
  check(t == d, "tostring", n, t)
  check(math.tointeger(t) == n, "tointeger", n, t)
  if -2^53 <= n and n <= 2^53 then check(math.tointeger(n + 0.0) == n, "tointeger float", n, n + 0.0) end
  if i <= 100 then print(d, x, string.format("%X %o %5.3d %+d", n, n, n % 1000, n), n // 7, n % 7, n / 3) end
end

local nans = 0
local specials = {0/0, -(0/0), 1/0, -1/0, 0.0, -0.0, 2^-1074, -2^-1022, 1.7976931348623157e308, 2^63, -2^63, 0.1, 1e100}
for i = 1, 600 do
  local f = specials[i] or randfloat()
  local g17, a, t = string.format("%.17g", f), string.format("%a", f), tostring(f)
  if f ~= f then
    nans = nans + 1
    check(tonumber(g17) == nil and (t == "nan" or t == "-nan"), "nan", f, t)
  elseif f == math.huge or f == -math.huge then
    check(t == (f > 0 and "inf" or "-inf") and tonumber(g17) == nil, "inf", f, t)
  else
    check(tonumber(g17) == f, "%.17g", f, g17)
    check(tonumber(a) == f, "%a", f, a)
    check(tonumber(t) == tonumber(string.format("%.14g", f)), "tostring is %.14g", f, t)
    check(math.type(tonumber(t)) == "float", "tostring keeps floats floats", f, t)
    check(tonumber(string.format("%.99f", f)) == f or math.abs(f) < 1e-70, "%.99f", f, "")
    check(tonumber(" " .. g17 .. "\t\n") == f, "spaces around", f, g17)
    local e = string.format("%e", f)
    check(math.abs(tonumber(e) - f) <= math.abs(f) * 1e-6, "%e", f, e)
    if f == math.floor(f) and -2^63 <= f and f < 2^63 then check(math.tointeger(f) == f, "integral float", f, "") end
  end
  if i <= 150 then print(t, g17, a, string.format("%g|%.3g|%10.4f|%-12.2e|%A", f, f, f, f, f)) end
end
-- random numerals, well formed or not: tonumber, tonumber with a base, arithmetic coercion and the
-- lexer (through load) must agree with lua5.4 on every one
local chars = {"0", "1", "7", "9", "x", "X", ".", "e", "E", "p", "+", "-", " ", "a", "f", "F", "z", "\t", "n", "0x", "1e", "8"}
for i = 1, 800 do
  local t = {}
  for j = 1, math.random(1, 9) do t[j] = chars[math.random(#chars)] end
  local s = table.concat(t)
  local base = math.random(2, 36)
  local n = tonumber(s)
  local ok, sum = pcall(function() return s + 0 end)
  local f = load("return " .. s)
  local lexed = f and table.pack(pcall(f)) or {n = 0}
  print(string.format("%q", s), n, math.type(n), base, tonumber(s, base), ok and sum or "err",
    f and tostring(lexed[2]) or "syntax")
  if n and ok then check(rawequal(n, sum) or (n ~= n and sum ~= sum), "coercion agrees", s, sum) end
end
print("nans", nans, "failures", fails)
