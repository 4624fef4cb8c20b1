-- tables against a naive model: random sets, clears and reads of mixed keys, then a full
-- comparison through pairs, # on pure sequences, and next() while clearing
local seed = 12345
local function rand(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n + 1
end

local pool = {}
for i = 1, 60 do pool[#pool + 1] = i end
for i = 1, 40 do pool[#pool + 1] = "s" .. i end
for i = 1, 10 do pool[#pool + 1] = i + 0.25 end
for i = 1, 10 do pool[#pool + 1] = string.rep("L", 45) .. i end
pool[#pool + 1] = true
pool[#pool + 1] = false
for i = 1, 10 do pool[#pool + 1] = -i end

local function check(t, keys, vals)
  local n = 0
  for k, v in pairs(t) do
    n = n + 1
    local found = false
    for j = 1, #keys do
      if keys[j] == k then found = vals[j] == v break end
    end
    if not found then return "bad pair " .. tostring(k) end
  end
  local m = 0
  for j = 1, #keys do if vals[j] ~= nil then m = m + 1 end end
  if n ~= m then return "count " .. n .. " vs " .. m end
  return "ok"
end

local fails = 0
for round = 1, 15 do
  local t, vals = {}, {}
  for op = 1, 300 do
    local j = rand(#pool)
    local r = rand(10)
    if r <= 6 then
      local v = rand(1000)
      t[pool[j]] = v; vals[j] = v
    elseif r <= 8 then
      t[pool[j]] = nil; vals[j] = nil
    elseif t[pool[j]] ~= vals[j] then
      fails = fails + 1
    end
  end
  local res = check(t, pool, vals)
  if res ~= "ok" then print("round", round, res); fails = fails + 1 end
  -- clear every other entry during a traversal
  local i = 0
  for k in pairs(t) do
    i = i + 1
    if i % 2 == 0 then t[k] = nil; for j = 1, #pool do if pool[j] == k then vals[j] = nil end end end
  end
  res = check(t, pool, vals)
  if res ~= "ok" then print("round", round, "after clearing", res); fails = fails + 1 end
end
print("model failures", fails)

-- sequences: # is the length whatever the construction order
local lens = {}
for n = 0, 40 do
  local a, b, c = {}, {}, {}
  for i = 1, n do a[i] = i end
  for i = n, 1, -1 do b[i] = i end
  for i = 1, n do c[#c + 1] = i end
  for i = 1, n // 2 do c[#c] = nil end
  if #a ~= n or #b ~= n or #c ~= n - n // 2 then lens[#lens + 1] = n end
end
print("length failures", #lens)
