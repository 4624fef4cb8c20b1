-- a collector that never rests (pause 100, small steps) while the program mutates a graph:
-- every write must keep the invariant (barriers), every live object must survive
collectgarbage("incremental", 100, 100, 10)
local seed = 7
local function rand(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n + 1
end

local nodes = {}
for i = 1, 300 do nodes[i] = {id = i, edges = {}} end
local names = setmetatable({}, {__mode = "k"})
for round = 1, 30000 do
  local a, b = nodes[rand(300)], nodes[rand(300)]
  local r = rand(8)
  if r == 1 then
    local n = {id = a.id, edges = a.edges}           -- replace a node by a copy
    nodes[a.id] = n
  elseif r == 2 then
    a.edges[#a.edges + 1] = b                        -- old object gets a new edge
    if #a.edges > 8 then table.remove(a.edges, 1) end
  elseif r == 3 then
    a.fn = function() return b.id end                -- closure captures another node
  elseif r == 4 then
    a["k" .. rand(20)] = {b}                         -- new field, new shape
  elseif r == 5 then
    names[a] = "node" .. a.id
  elseif r == 6 then
    local co = coroutine.wrap(function(x) local y = coroutine.yield(x.id) return y.id end)
    co(a); a.co = co; a.cob = b
  elseif r == 7 then
    if a.co then local id = a.co(a.cob); a.co = nil; assert(id == a.cob.id) end
  else
    a.big = string.rep("x", rand(100))
  end
end

local bad = 0
for i = 1, 300 do
  local n = nodes[i]
  if n.id ~= i then bad = bad + 1 end
  for _, e in ipairs(n.edges) do if type(e.id) ~= "number" then bad = bad + 1 end end
  if n.fn and type(n.fn()) ~= "number" then bad = bad + 1 end
  for j = 1, 20 do local f = n["k" .. j]; if f and type(f[1].id) ~= "number" then bad = bad + 1 end end
  if n.big and n.big:gsub("x", "") ~= "" then bad = bad + 1 end
end
local named = 0
for k, v in pairs(names) do if v ~= "node" .. k.id then bad = bad + 1 end named = named + 1 end
print("bad", bad, "named <= 300", named <= 300)
collectgarbage("generational")
