-- A numeric for loop with a float initial value and integer limit and step is a float loop:
-- the JIT must not compile it as an integer loop (it ran once, with the float's bits as an
-- integer, under -j hot=1,hotloop=1 and -j stress).
local function f(init)
  local cnt, last, sum = 0, nil, 0
  for v = init, 3000, 1 do
    cnt = cnt + 1
    last = v
    sum = sum + v
  end
  return cnt, last, math.type(last), sum
end
print(f(0.5))
print(f(1.0))
print(f(1))
print(f(-0.25))
