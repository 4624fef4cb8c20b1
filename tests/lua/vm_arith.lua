-- vm_arith: integer/float arithmetic, comparisons, bitwise ops, numeric for loops and their errors.
print(1 + 2, 1 - 2.5, 3 * 4, 7 / 2, 7 // 2, 7 % 3, -7 // 2, -7 % 3, 7 // -2, 7 % -3)
print(7.5 // 2, -7.5 // 2, 7.5 % 2, -7.5 % 2, 5.3 % -2, 2^10, 2^0.5)
print(math.maxinteger, 9223372036854775807 + 1, -9223372036854775808 - 1)
print(1 / 0, -1 / 0, 0/0 ~= 0/0, 3 // 0.0, -3 % 0.0)
print(3 & 5, 3 | 5, 3 ~ 5, ~0, 1 << 63, 1 << 64, -1 >> 1, 1 >> -1, 2.0 | 1)
print(1 == 1.0, 1 < 1.5, 2^53 < 2^53 + 1, 9007199254740993 < 9007199254740992.0, 9007199254740993 > 9007199254740992.0)
print(-9223372036854775808 < -9.3e18, 9223372036854775807 < 9.3e18, 9223372036854775807 <= 9223372036854775808.0)
print(1 <= 1, "a" < "b", "abc" < "abd", "" < "a", "Z" < "a")
local x = 10
print(x + 1, x - 1, x * 2, x / 4, x // 3, x % 3, x ^ 2, x & 3, x | 3, x ~ 3, x << 2, x >> 1, -x, ~x)
local f = 10.5
print(f + 1, f - 1, f * 2, f / 4, f // 3, f % 3, f ^ 2, -f)
print(1e15, 1e16, 123456789012, 0.1, 1/3, -0.0, 100 // 1.0, 2^63, -2^63 == math.mininteger)
print(5 // 0.0, -5 // 0.0, 0/0 == 0/0)
for i = 1, 3 do print(i) end
for i = 3, 1, -1 do print(i) end
for i = 1, 2, 0.5 do print(i) end
for i = 1.0, 3 do print(i) end
for i = 9223372036854775806, 9223372036854775807 do print(i) end
for i = -9223372036854775807, -9223372036854775808, -1 do print(i) end
for i = 1, 0 do print("no") end
for i = 1, 3.5 do print(i) end
for i = 5, 1.5, -2 do print(i) end
for i = 1, 1e400, 1 << 62 do print(i) end
print(pcall(function() for i = 1, 10, 0 do end end))
print(pcall(function() for i = 1, {} do end end))
print(pcall(function() for i = "a", 2 do end end))
print(pcall(function() return 1 // 0 end))
print(pcall(function() return 1 % 0 end))
print(pcall(function() local a = 1.5 return a | 1 end))
print(pcall(function() local a = {} return a + 1 end))
print(pcall(function() return nil .. "x" end))
print(pcall(function() local a = "x" return a .. {} end))
print(pcall(function() return 1 < "x" end))
print(pcall(function() return {} <= {} end))
print(pcall(function() return -nil end))
print(pcall(function() return #5 end))
print(pcall(function() return ~1.5 end))
print("a" .. "b" .. 1 .. 2.0 .. -3)
print(1 .. "", 1.5 .. "|", 2^63 .. "", -0.0 .. "")
-- mixed int/float comparisons near 2^53 and 2^63
local big = 9007199254740993
print(big == 2^53 + 1, big < 2^53 + 2, big <= 2^53, big > 2^53, big >= 2^53)
print(math.maxinteger + 0.0 == math.maxinteger, math.maxinteger < math.maxinteger + 0.0)
print(math.mininteger == -2^63, math.mininteger < -2^63, math.mininteger <= -2^63)
print(1 < 0/0, 1 > 0/0, 0/0 <= 1, math.huge > math.maxinteger, -math.huge < math.mininteger)
print(math.mininteger // -1, math.mininteger % -1, 5 // -1, -5 % -1)
print(3 % math.huge, -3 % math.huge, 3 % -math.huge, -3.5 // math.huge)
print(7 >> 63, 7 << -1, -1 >> 63, 1 << 62, 3.0 << 1, "x" == "x", 1 == "1")
for i = math.maxinteger - 2, math.maxinteger do io.write(i, " ") end print()
for i = math.mininteger, math.mininteger + 2 do io.write(i, " ") end print()
for i = 1, 3 do local j = i i = 10 io.write(j, " ") end print()
for i = 0.1, 0.35, 0.1 do io.write(string.format("%.1f ", i)) end print()
for i = 3, 1 do print("never") end
for i = 1, 0.5 do print("never") end
for i = math.maxinteger, 1e100 do io.write("once ") break end print()
print(pcall(function() for i = 1, 2, 0.0 do end end))
print(pcall(function() for i = 1, 2, {} do end end))
