-- compiler_expr.lua: expressions, constant folding, operators, literals (compiler test)
local function typed(x)
  if type(x) == "number" then return tostring(x) .. "(" .. math.type(x) .. ")" end
  return tostring(x)
end
local function p(...)
  local t = table.pack(...)
  for i = 1, t.n do t[i] = typed(t[i]) end
  print(table.concat(t, " "))
end

-- folding keeps integer/float subtypes
p(1 + 2, 1 + 2.0, 3 - 5, 2 * 3, 7 // 2, 7.0 // 2, -7 // 2, 7 % -3, -7 % 3, 7.5 % 2)
p(2 ^ 2, 10 / 2, 3 / 0, -3 / 0, 0 / 0 ~= 0 / 0, 1 // 0.0, -1 // 0.0)
p(1 << 63, 1 << 64, -1 >> 1, 3 & 5.0, 3 | 4, 3 ~ 5, ~5, ~0.0 == -1)
p(math.maxinteger + 1 == math.mininteger, math.mininteger // -1, math.mininteger % -1)
p(-0.0, 0.0, -(0), 1e308 * 10, -1e308 * 10)
p(9223372036854775807, 9223372036854775808, 0xffffffffffffffff, 0x7fffffffffffffff + 1)
p(0x10, 0xA.8p1, 0x.1p4, 1e2, .5, 3., 0x1P-2, 1E+2, 5e-1)
-- errors that must not be folded away
p(pcall(function() return 1 // 0 end))
p(pcall(function() return 1 % 0 end))
p(pcall(function() return 1.5 | 1 end))
p(pcall(function() return "a" + 1 end))
p(pcall(function() return 2^53 | 0 end))
-- immediates and constants on both sides
local x, y = 5, 5.5
p(x + 1, 1 + x, x - 1, 1 - x, x * 2, 2 * x, x / 2, 2 / x, x % 3, 3 % x, x // 2, 2 // x)
p(x + 127, x + 128, x - 128, x + -129, x << 2, 2 << x, x >> 1, x >> -1, x & 1, 1 | x, x ~ 255)
p(x + 1.5, y + 1, y * 2, y // 1, y % 1, x ^ 2, 2 ^ x, x + 100000, x - 100000.5)
p(x < 10, 10 < x, x <= 5, 5 <= x, x > 4, 4 > x, x >= 6, 6 >= x, x == 5, 5 == x, x ~= 5, 5 ~= x)
p(x < 1000, x == 1000, x == 5.0, x < 5.5, y > 5, y == "5.5", "a" == "a", nil == false)
p(x < y, y < x, x <= y, x == y, x ~= y, "a" < "b", "b" <= "a", "abc" < "abd")
local s = "x"
p(s == "x", "x" == s, s ~= "y", s == nil, nil == s, s == true, true == s)
-- logical operators and their values
p(1 and 2, nil and 1, false or "d", nil or false, false and nil, 1 or error("no"))
p(x > 3 and "big" or "small", x > 10 and "big" or "small", not nil, not 0, not not x)
local a, b, c = nil, false, 0
p(a or b or c, a and b or c, (a or c) and (b or x), not (a and b), not a == not b)
local t = {}
p(t.missing or "default", t and t.missing, #"abc" > 2 and #"abc")
-- comparisons producing values
local v1 = x == 5
local v2 = x ~= 5 or y > 5
local v3 = not (x < y)
p(v1, v2, v3)
-- concatenation
local n = 10
p("a" .. "b" .. "c", 1 .. 2, n .. "", "x" .. n .. "y" .. 1.5, "s" .. (n and "t" or "f") .. "u")
p(("x"):rep(3) .. ("y"):upper())
-- precedence
p(2 + 3 * 4 ^ 2 / 8, -2 ^ 2, not 1 == 2, 1 .. 2 == "12", 2 ^ 3 ^ 2, (2 ^ 3) ^ 2)
p(1 + 2 < 4 and 5 or 6, 1 | 2 ~ 3 & 4 << 1, "a" .. "b" == "ab", -x ^ 2, #"ab" + 1)
p(5 - 3 - 1, 64 / 4 / 2, 2 .. 3 .. 4, 1 < 2 == true, - - 3, ~ ~ 5)
-- string literals and escapes
p("tab\tnl\\n", 'q"q', "q'q", "\65\066\x43\u{44}\u{e9}\z
      end", #"\u{7FFFFFFF}", #"\0\00\000", "a\
b")
p([[long
string]], [==[with ]] inside]==], [[
first newline skipped]], #[[]])
-- length, unary
local arr = {1, 2, 3, nil, 5}
p(#"hello", -x, - -x, -y, ~x, not x, #{1, 2, 3})
-- numeric edge: integer division and modulo by negative
for _, pair in ipairs({{7, 3}, {-7, 3}, {7, -3}, {-7, -3}}) do
  local a1, b1 = pair[1], pair[2]
  p(a1 // b1, a1 % b1, a1 / b1, a1 + 0.0 // b1, (a1 + 0.0) % b1)
end
-- constant <const> folding and use across closures
local K <const> = 10
local S <const> = "str"
local F <const> = 2.5
local function useK() return K * 2, S .. "!", F + K end
p(useK())
p(K // 3, K % 3, -K, ~K, K .. S)
