-- server.lua: a server-like program for the jump-start demo (make demo).
--
-- It serves batches of requests against a dozen endpoints, the way a service does: each
-- endpoint is its own handful of functions, and each sees only its share of the traffic, so in
-- a cold process every endpoint warms up (profiles, compiles) on its own schedule, during the
-- first requests -- exactly when a freshly started process is needed. One batch is one
-- iteration; it prints "iter N SECONDS" per batch (CPU time) and a checksum of all responses.
--
--   jolt examples/server.lua [BATCHES]
local batches = tonumber(arg and arg[1]) or 40
local PER_BATCH = 60

local Account = {}
Account.__index = Account
function Account.new(id, balance) return setmetatable({id = id, balance = balance, ops = 0}, Account) end
function Account:deposit(x) self.balance = self.balance + x; self.ops = self.ops + 1 end
function Account:withdraw(x)
  if x > self.balance then return false end
  self.balance = self.balance - x; self.ops = self.ops + 1
  return true
end

local Vec = {}
Vec.__index = Vec
function Vec.new(x, y, z) return setmetatable({x = x, y = y, z = z}, Vec) end
function Vec:dot(o) return self.x * o.x + self.y * o.y + self.z * o.z end
function Vec:scale(k) return Vec.new(self.x * k, self.y * k, self.z * k) end

local accounts = {}
for i = 1, 64 do accounts[i] = Account.new(i, i * 100) end

local handlers = {}

-- /quote: an order's price with quantity discounts.
handlers[1] = function(r)
  local total = 0.0
  for i = 1, 60 do
    local qty = (r + i) % 7 + 1
    local price = 9.5 + (i % 5) * 0.25
    local line = qty * price
    if qty > 4 then line = line * 0.9 end
    total = total + line
  end
  return math.floor(total * 100)
end

-- /transfer: money between two accounts.
handlers[2] = function(r)
  local a, b = accounts[r % 64 + 1], accounts[(r * 7) % 64 + 1]
  local moved = 0
  for i = 1, 20 do
    if a:withdraw(i) then b:deposit(i); moved = moved + i end
  end
  return moved
end

-- /physics: a few steps of vector math.
handlers[3] = function(r)
  local v, acc = Vec.new(r % 3, 1, 2), 0.0
  for i = 1, 40 do
    local w = v:scale(0.5 + (i % 3))
    acc = acc + w:dot(v)
  end
  return math.floor(acc)
end

-- /stats: mean and variance of a window.
handlers[4] = function(r)
  local n, sum, sq = 150, 0, 0
  for i = 1, n do
    local x = (r * i) % 97
    sum = sum + x
    sq = sq + x * x
  end
  local mean = sum / n
  return math.floor((sq / n - mean * mean) * 10)
end

-- /primes: a small sieve.
handlers[5] = function(r)
  local n, flags, count = 300 + r % 50, {}, 0
  for i = 2, n do flags[i] = true end
  for i = 2, n do
    if flags[i] then
      count = count + 1
      for j = i * i, n, i do flags[j] = false end
    end
  end
  return count
end

-- /hash: a checksum of a generated payload.
handlers[6] = function(r)
  local h = 5381
  for i = 1, 200 do h = (h * 33 + (r + i) % 256) % 4294967291 end
  return h
end

-- /matrix: a 6x6 product.
handlers[7] = function(r)
  local a, b, s = {}, {}, 0
  for i = 1, 36 do a[i] = (i + r) % 5; b[i] = (i * r) % 7 end
  for i = 0, 5 do
    for j = 1, 6 do
      local c = 0
      for k = 1, 6 do c = c + a[i * 6 + k] * b[(k - 1) * 6 + j] end
      s = s + c
    end
  end
  return s
end

-- /fib: a memo-less recursion, as naive services do.
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
handlers[8] = function(r) return fib(12 + r % 4) end

-- /route: a route table lookup by fields.
local routes = {}
for i = 1, 16 do routes[i] = {weight = i % 4 + 1, cost = i * 3, hops = i % 5} end
handlers[9] = function(r)
  local best = math.huge
  for i = 1, 16 do
    local rt = routes[i]
    local c = rt.cost * rt.weight + rt.hops * (r % 3)
    if c < best then best = c end
  end
  return best
end

-- /interest: compound interest month by month.
handlers[10] = function(r)
  local b = 1000 + r % 100
  for m = 1, 120 do b = b * 1.004 + 10 end
  return math.floor(b)
end

-- /histogram: bucket counts.
handlers[11] = function(r)
  local buckets = {0, 0, 0, 0, 0, 0, 0, 0}
  for i = 1, 160 do
    local k = ((r + i * 13) % 8) + 1
    buckets[k] = buckets[k] + 1
  end
  return buckets[1] * 3 + buckets[8]
end

-- /render: a response line.
handlers[12] = function(r)
  local parts = {}
  for i = 1, 6 do parts[i] = string.format("%d:%d", i, (r * i) % 10) end
  return #table.concat(parts, ",")
end

local function serve(batch)
  local sum = 0
  for k = 1, PER_BATCH do
    local r = batch * PER_BATCH + k
    sum = (sum + handlers[r % #handlers + 1](r)) % 1000000007
  end
  return sum
end

local clock, check = os.clock, 0
local mark = jolt and jolt.mark or function() end   -- tracers see each batch (docs/warmup.md)
for b = 1, batches do
  mark("batch")
  local t0 = clock()
  check = (check + serve(b)) % 1000000007
  io.write(string.format("iter %d %.6f\n", b, clock() - t0))
end
print("check " .. check)
