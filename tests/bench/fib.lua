-- fib: recursive calls and integer arithmetic.
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
if BENCH_ITER then -- loaded by iter.lua: one iteration is fib(30)
  local sum = 0
  return {iterations = 40, run = function() sum = sum + fib(30) end,
          check = function() return string.format("fib %d", sum) end}
end
local sum = 0
for i = 1, 3 do sum = sum + fib(31 + i) end
print(string.format("fib %d", sum))
