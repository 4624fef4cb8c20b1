-- property: table.sort with random comparators, valid and invalid. A run either fails with
-- "invalid order function for sorting" or leaves a sorted permutation; only which of the two is
-- printed (never the order of equal elements, which may differ between implementations).
math.randomseed(777)
local bad = 0
-- comparators; the inconsistent ones use a hash of their arguments, not the random generator,
-- so the generator's sequence does not depend on how many comparisons a sort makes
local function hash(a, b) return ((a * 7919 + b * 104729) ~ (a >> 3)) % 17 end
local comparators = {
  {"lt", true, function(a, b) return a < b end},
  {"gt", true, function(a, b) return a > b end},
  {"mod10", true, function(a, b) return a % 10 < b % 10 end},
  {"le", false, function(a, b) return a <= b end},
  {"always", false, function(a, b) return true end},
  {"never", true, function(a, b) return false end},
  {"hash", false, function(a, b) return hash(a, b) < 8 end},
  {"ne", false, function(a, b) return a ~= b end},
}
local function multiset(t)
  local m = {}
  for i = 1, #t do m[t[i]] = (m[t[i]] or 0) + 1 end
  return m
end
local function permutation(a, m)
  local n = {}
  for i = 1, #a do n[a[i]] = (n[a[i]] or 0) + 1 end
  for k, v in pairs(m) do if n[k] ~= v then return false end end
  for k, v in pairs(n) do if m[k] ~= v then return false end end
  return true
end
local function sorted(a, lt)
  for i = 2, #a do if lt(a[i], a[i - 1]) then return false end end
  return true
end

for case = 1, 400 do
  local n = ({0, 1, 2, 3, 5, 10, 50, 200})[math.random(8)]
  local range = math.random(1, 3) == 1 and 3 or 1000
  local a = {}
  for i = 1, n do a[i] = math.random(range) end
  local name, valid, lt = table.unpack(comparators[math.random(#comparators)])
  local m = multiset(a)
  local ok, err = pcall(table.sort, a, lt)
  local what
  if ok then
    what = permutation(a, m) and (not valid or sorted(a, lt)) and "sorted" or "BROKEN"
  elseif tostring(err):find("invalid order function for sorting", 1, true) then
    what = valid and "BROKEN (valid comparator refused)" or "invalid"
  else
    what = "error " .. tostring(err)
  end
  -- an invalid comparator may or may not be caught, depending on the algorithm's probes
  if not valid and (what == "sorted" or what == "invalid") then what = "sorted or invalid" end
  if what:find("BROKEN") then bad = bad + 1 end
  print(case, n, name, what)
end
-- the default order and errors from it
local t = {3, 1, "x"}
print(pcall(table.sort, t))
print(pcall(table.sort, {1, nil, 3}))
print(pcall(table.sort, {1, 2, 3}, 1))
local s = {"b", "a", "c", "B"}; table.sort(s); print(table.concat(s, " "))
print("broken", bad)
