-- random comparators and sizes: never crash, never lose elements
local seed = 7
local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648 return seed % n end
local errs, oks = 0, 0
for round = 1, 300 do
  local n = rnd(200) + 1
  local a, sum = {}, 0
  for i = 1, n do a[i] = rnd(50); sum = sum + a[i] end
  local mode = round % 4
  local cmp = mode == 0 and function(x, y) return rnd(2) == 0 end
           or mode == 1 and function(x, y) return x <= y end
           or mode == 2 and function(x, y) return true end
           or function(x, y) return x < y end
  local ok = pcall(table.sort, a, cmp)
  if ok then oks = oks + 1 else errs = errs + 1 end
  local s2 = 0
  for i = 1, n do s2 = s2 + a[i] end
  assert(s2 == sum and #a == n)
  if mode == 3 then for i = 2, n do assert(a[i - 1] <= a[i]) end end
end
print("survived", oks + errs)
