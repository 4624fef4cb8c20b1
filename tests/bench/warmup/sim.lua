-- sim.lua: a discrete-event simulation of a small economy, served one tick batch per request.
-- Customers (plain and VIP), merchants (plain and discounting), banks and an auditor are
-- classes built with a class() helper (metatable __index chains, super calls); events wait in
-- a binary heap ordered by time and are dispatched polymorphically at one call site. Each
-- request runs a fixed number of events and answers a query; money must be conserved, no
-- balance may go negative, and the per-kind event counts must add up (error() otherwise).

local format, floor = string.format, math.floor

local EVENTS_PER_REQUEST = 300
local KINDS = { "shop", "refund", "payroll", "restock", "interest", "fee", "audit", "tip" }

-- class(parent) returns a class table whose instances find methods through __index; the
-- class itself falls back to its parent so that overriding is just redefining a method.
local function class(parent)
  local c = {}
  c.__index = c
  c.super = parent
  if parent then setmetatable(c, { __index = parent }) end
  function c.new(...)
    local obj = setmetatable({}, c)
    obj:init(...)
    return obj
  end
  return c
end

-- Event queue: a binary min-heap ordered by (time, seq) so that ties break deterministically.
local Heap = class()

function Heap:init()
  self.items, self.size = {}, 0
end

local function earlier(a, b)
  if a.time ~= b.time then return a.time < b.time end
  return a.seq < b.seq
end

function Heap:push(ev)
  local items = self.items
  local n = self.size + 1
  self.size = n
  while n > 1 do
    local parent = floor(n / 2)
    local p = items[parent]
    if not earlier(ev, p) then break end
    items[n] = p
    n = parent
  end
  items[n] = ev
end

function Heap:pop()
  local items, size = self.items, self.size
  if size == 0 then return nil end
  local top, last = items[1], items[size]
  items[size] = nil
  size = size - 1
  self.size = size
  if size == 0 then return top end
  local n = 1
  while true do
    local child = n * 2
    if child > size then break end
    if child < size and earlier(items[child + 1], items[child]) then child = child + 1 end
    if not earlier(items[child], last) then break end
    items[n] = items[child]
    n = child
  end
  items[n] = last
  return top
end

-- The simulation owns the entities, the clock, the queue and the random generator.
local Sim = class()

function Sim:init(seed)
  self.seed, self.now, self.seqno = seed, 0, 0
  self.queue = Heap.new()
  self.entities, self.customers, self.merchants, self.banks = {}, {}, {}, {}
  self.counts, self.processed, self.moved = {}, 0, 0
  for _, k in ipairs(KINDS) do self.counts[k] = 0 end
end

function Sim:rand(n)
  self.seed = (self.seed * 16807) % 2147483647
  return self.seed % n
end

function Sim:post(entity, delay, kind, data)
  self.seqno = self.seqno + 1
  self.queue:push({ time = self.now + delay, seq = self.seqno, entity = entity,
                    kind = kind, data = data })
end

function Sim:add(entity, list)
  self.entities[#self.entities + 1] = entity
  if list then list[#list + 1] = entity end
  entity:start()
  return entity
end

function Sim:step()
  local ev = self.queue:pop()
  self.now = ev.time
  self.counts[ev.kind] = self.counts[ev.kind] + 1
  self.processed = self.processed + 1
  ev.entity:handle(ev)  -- the polymorphic call site: six classes arrive here
end

function Sim:total()
  local sum = 0
  for _, e in ipairs(self.entities) do sum = sum + e.balance end
  return sum
end

-- Entity: the base class, money in integer cents.
local Entity = class()

function Entity:init(sim, name, balance)
  self.sim, self.name, self.balance = sim, name, balance
  self.id = #sim.entities + 1
  self.handled = 0
end

function Entity:start() end

function Entity:pay(to, amount)
  if amount > self.balance then amount = self.balance end
  if amount <= 0 then return 0 end
  self.balance = self.balance - amount
  to.balance = to.balance + amount
  self.sim.moved = self.sim.moved + amount
  return amount
end

function Entity:handle(ev)
  error("sim: " .. self.name .. " cannot handle " .. ev.kind)
end

function Entity:describe()
  return format("%s:%d", self.name, floor(self.balance))
end

-- Customer: shops at a random merchant, sometimes asks for a refund.
local Customer = class(Entity)

function Customer:init(sim, name, balance, appetite)
  Entity.init(self, sim, name, balance)
  self.appetite, self.bought = appetite, 0
end

function Customer:start()
  self.sim:post(self, 1 + self.sim:rand(10), "shop")
end

function Customer:budget()
  return 100 + self.sim:rand(self.appetite) + floor(self.balance / 20)
end

function Customer:shop()
  local sim = self.sim
  local m = sim.merchants[1 + sim:rand(#sim.merchants)]
  local price = m:quote(self, self:budget())
  local paid = self:pay(m, price)
  if paid > 0 then
    self.bought = self.bought + 1
    m:record(paid)
    if sim:rand(16) == 0 then sim:post(m, 2 + sim:rand(5), "refund", { to = self, amount = paid }) end
  end
  return paid
end

function Customer:handle(ev)
  self.handled = self.handled + 1
  self:shop()
  self.sim:post(self, 1 + self.sim:rand(12), "shop")
end

-- VIPCustomer: bigger budgets, and tips its merchant after the ordinary shopping trip.
local VIPCustomer = class(Customer)

function VIPCustomer:budget()
  return Customer.budget(self) * 2
end

function VIPCustomer:handle(ev)
  if ev.kind == "tip" then
    self.handled = self.handled + 1
    self:pay(ev.data, 25)
    return
  end
  VIPCustomer.super.handle(self, ev)
  if self.sim:rand(5) == 0 then
    local m = self.sim.merchants[1 + self.sim:rand(#self.sim.merchants)]
    self.sim:post(self, 1, "tip", m)
  end
end

-- Merchant: sells at the quoted price, pays staff and restocks from a bank.
local Merchant = class(Entity)

function Merchant:init(sim, name, balance, markup)
  Entity.init(self, sim, name, balance)
  self.markup, self.sales, self.revenue = markup, 0, 0
end

function Merchant:start()
  self.sim:post(self, 5 + self.sim:rand(20), "payroll")
  self.sim:post(self, 3 + self.sim:rand(20), "restock")
end

function Merchant:quote(customer, budget)
  return floor(budget * (100 + self.markup) / 100)
end

function Merchant:record(amount)
  self.sales, self.revenue = self.sales + 1, self.revenue + amount
end

function Merchant:handle(ev)
  self.handled = self.handled + 1
  local sim, kind = self.sim, ev.kind
  if kind == "refund" then
    self:pay(ev.data.to, ev.data.amount)
  elseif kind == "payroll" then
    local wage = floor(self.balance / 40)
    for _ = 1, 3 do self:pay(sim.customers[1 + sim:rand(#sim.customers)], wage) end
    sim:post(self, 10 + sim:rand(10), "payroll")
  elseif kind == "restock" then
    self:pay(sim.banks[1 + sim:rand(#sim.banks)], floor(self.balance / 25))
    sim:post(self, 8 + sim:rand(8), "restock")
  else
    Entity.handle(self, ev)
  end
end

-- DiscountMerchant: undercuts others on large baskets (a super call plus a twist).
local DiscountMerchant = class(Merchant)

function DiscountMerchant:quote(customer, budget)
  local price = DiscountMerchant.super.quote(self, customer, budget)
  if price > 400 then price = price - floor(price / 10) end
  return price
end

-- Bank: lends its reserves back to customers (with interest on deposits) and charges fees.
local Bank = class(Entity)

function Bank:start()
  self.sim:post(self, 7, "interest")
  self.sim:post(self, 11, "fee")
end

function Bank:handle(ev)
  self.handled = self.handled + 1
  local sim = self.sim
  if ev.kind == "interest" then
    for _ = 1, 4 do
      local c = sim.customers[1 + sim:rand(#sim.customers)]
      self:pay(c, floor(self.balance / 60) + floor(c.balance / 100))
    end
    sim:post(self, 6 + sim:rand(6), "interest")
  else
    for _, m in ipairs(sim.merchants) do m:pay(self, 3) end
    sim:post(self, 15 + sim:rand(10), "fee")
  end
end

-- Auditor: holds no money; checks conservation whenever its event comes up.
local Auditor = class(Entity)

function Auditor:start()
  self.sim:post(self, 20, "audit")
end

function Auditor:handle(ev)
  self.handled = self.handled + 1
  local sim = self.sim
  if sim:total() ~= sim.expected then
    error(format("sim: money not conserved at t=%d", floor(sim.now)))
  end
  sim:post(self, 20, "audit")
end

local sim, answers, totals

local function build()
  local s = Sim.new(12345)
  for i = 1, 48 do
    local cls = (i % 4 == 0) and VIPCustomer or Customer
    s:add(cls.new(s, "c" .. i, 5000 + 37 * i, 300 + (i % 7) * 50), s.customers)
  end
  for i = 1, 8 do
    local cls = (i % 2 == 0) and DiscountMerchant or Merchant
    s:add(cls.new(s, "m" .. i, 20000, 5 + i), s.merchants)
  end
  for i = 1, 2 do s:add(Bank.new(s, "b" .. i, 100000), s.banks) end
  s:add(Auditor.new(s, "audit", 0))
  s.expected = s:total()
  return s
end

-- Queries rotate by request number, like different endpoints of one service.
local function query(s, i)
  local q = i % 4
  if q == 0 then
    local best = s.customers[1]
    for _, c in ipairs(s.customers) do
      if c.balance > best.balance then best = c end
    end
    return best.id * 1000 + (best.balance % 1000)
  elseif q == 1 then
    local sum = 0
    for _, m in ipairs(s.merchants) do sum = sum + m.revenue end
    return sum
  elseif q == 2 then
    local parts = {}
    for k = 1, 5 do parts[k] = s.merchants[k]:describe() end
    return #table.concat(parts, ",")
  end
  return s.queue.size * 1000 + (s.now % 1000)
end

local function invariants(s)
  if s:total() ~= s.expected then error("sim: money not conserved") end
  local sum = 0
  for _, k in ipairs(KINDS) do sum = sum + s.counts[k] end
  if sum ~= s.processed then error("sim: event counts do not add up") end
  for _, e in ipairs(s.entities) do
    if e.balance < 0 then error("sim: negative balance for " .. e.name) end
  end
end

return {
  requests = 1000,
  setup = function()
    sim = build()
    answers, totals = 0, 0
  end,
  request = function(i)
    for _ = 1, EVENTS_PER_REQUEST do sim:step() end
    invariants(sim)
    local a = query(sim, i)
    answers = (answers * 31 + a) % 1000000007
    totals = totals + 1
  end,
  check = function()
    local parts = {}
    for _, k in ipairs(KINDS) do parts[#parts + 1] = format("%s=%d", k, sim.counts[k]) end
    local state = 0
    for _, e in ipairs(sim.entities) do
      state = (state * 131 + e.balance + e.handled * 7) % 1000000007
    end
    return format("%s requests=%d events=%d now=%d moved=%d state=%d answers=%d",
      table.concat(parts, " "), totals, sim.processed, floor(sim.now), floor(sim.moved),
      floor(state), floor(answers))
  end,
}
