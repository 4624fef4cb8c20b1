-- math.random: xoshiro256** sequences must match lua5.4 for a given seed
print(math.randomseed(42))
local t = {}
for i = 1, 10 do t[i] = math.random(1, 100) end
print(table.concat(t, " "))
for i = 1, 5 do print(math.random()) end
for i = 1, 5 do print(math.random(0)) end
for i = 1, 5 do print(math.random(10)) end
for i = 1, 5 do print(math.random(-5, 5)) end
print(math.random(math.mininteger, math.maxinteger))
print(math.random(0, math.maxinteger))
print(math.random(7, 7))
print(math.random(1, 2^40))
print(math.randomseed(1, 2))
print(math.random(1000), math.random(1000), math.random())
print(math.randomseed(-1))
print(math.random(100), math.random(3, 1000000))
print(math.randomseed(0))
print(math.random(), math.random(0))
-- reseeding repeats the sequence
math.randomseed(123)
local a = {math.random(1, 6), math.random(1, 6), math.random(1, 6), math.random()}
math.randomseed(123)
local b = {math.random(1, 6), math.random(1, 6), math.random(1, 6), math.random()}
print(a[1] == b[1] and a[2] == b[2] and a[3] == b[3] and a[4] == b[4])
-- range properties
math.randomseed(7)
local okr, okf = true, true
for i = 1, 1000 do
  local r = math.random(3, 9)
  if r < 3 or r > 9 or math.type(r) ~= "integer" then okr = false end
  local f = math.random()
  if f < 0 or f >= 1 or math.type(f) ~= "float" then okf = false end
end
print(okr, okf)
-- errors
print(pcall(math.random, 2, 1))
print(pcall(math.random, 1, 2, 3))
print(pcall(math.random, 1.5))
print(pcall(math.random, "x"))
print(pcall(math.randomseed, 1.5))
print(pcall(math.randomseed, "x"))
-- no-argument seeding returns two integers
local s1, s2 = math.randomseed()
print(math.type(s1), math.type(s2))
