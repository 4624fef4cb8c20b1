-- math.sqrt compiled inline: a loop compiled while its argument was negative (NaN result) must
-- still compute the square root of the next argument (a jolt build printed -nan for f(4.0)).
local function f(x)
  local a
  for i = 1, 3000 do
    a = math.sqrt(x)
  end
  return a
end
print(f(-2.5) ~= f(-2.5), f(4.0), f(2), f(0.25), f(-0.0))
local function g(x)
  local s = 0.0
  for i = 1, 3000 do s = s + math.sqrt(math.abs(x - i)) end
  return s
end
print(g(1500.5), g(-1), g(3000))
