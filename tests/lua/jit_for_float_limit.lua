-- A numeric for loop with integer initial value and step and a float limit is an integer loop
-- up to floor(limit): the JIT must not compare the counter with the float's bits (the loop never
-- ended under -j hot=1,hotloop=1 and -j stress). The break keeps a wrong loop finite.
local function f(limit)
  local cnt, last = 0, nil
  for v = 1, limit do
    cnt = cnt + 1
    last = v
    if cnt > 5000 then break end
  end
  return cnt, last, math.type(last)
end
print(f(2500.7))
print(f(10.5))
print(f(3000))
print(f(-1.5))
local function g(limit)
  local cnt = 0
  for v = 3000, limit, -1 do cnt = cnt + 1 if cnt > 5000 then break end end
  return cnt
end
print(g(1.5), g(-0.5), g(2999.9))
