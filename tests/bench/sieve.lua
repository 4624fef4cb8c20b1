-- sieve: numeric loops over a boolean array (Eratosthenes), repeated.
local function sieve(n)
  local composite, count = {}, 0
  for i = 2, n do
    if not composite[i] then
      count = count + 1
      for j = i * i, n, i do composite[j] = true end
    end
  end
  return count
end
local total = 0
local function run() total = total + sieve(300000) end -- one iteration
if BENCH_ITER then
  return {iterations = 60, run = run, check = function() return string.format("sieve %d", total) end}
end
for _ = 1, 30 do run() end
print(string.format("sieve %d", total))
