-- An integer and a float with the same value are equal (==, ~=), in compiled code too: the JIT
-- said `i == y` is false for integer i and float y == 2500.0 once the loop was compiled
-- (-j on: the second call; -j stress: the first).
local function eq(y)
  local n = 0
  for i = 1, 3000 do
    if i == y then n = n + 1 end
  end
  return n
end
print(eq(160.0), eq(2500.0), eq(2500.5), eq(7), eq(-0.0))
local function ne(y)
  local n = 0
  for i = 0, 3000 do
    if i ~= y then n = n + 1 end
  end
  return n
end
print(ne(160.0), ne(0.0), ne(-0.0), ne(2999.0), ne(1e300))
local function eqk(x)
  local n = 0
  for i = 1, 3000 do
    local v = (i % 2 == 0) and i or i + 0.0
    if v == 1000 then n = n + 1 end
    if v == 1001.0 then n = n + 10 end
    if x == v then n = n + 100 end
  end
  return n
end
print(eqk(5), eqk(6.0), eqk(6.5))
