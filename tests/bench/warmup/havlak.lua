-- havlak.lua: loop recognition with Havlak's algorithm (TOPLAS 1997), served per request.
-- setup() builds a few control-flow graphs the way Hundt's "Loop Recognition" benchmark
-- describes them: straight-line code, diamonds and loops nested in loops, plus self loops and
-- irreducible regions. Each request runs the loop finder (DFS numbering, union-find, back and
-- cross edges, loop structure graph with nesting depths) on one of them and checks the number
-- of loops, irreducible loops and the maximum depth against what the construction made.

local format, floor = string.format, math.floor

---------------------------------------------------------------- control-flow graph

local function new_cfg()
  return { blocks = {}, expected = { loops = 0, irreducible = 0, depth = 0 } }
end

local function new_block(cfg)
  local b = { id = #cfg.blocks + 1, succs = {}, preds = {} }
  cfg.blocks[b.id] = b
  return b
end

local function connect(from, to)
  from.succs[#from.succs + 1] = to
  to.preds[#to.preds + 1] = from
end

-- A chain of n fresh blocks after from; returns the last one.
local function straight(cfg, from, n)
  for _ = 1, n do
    local b = new_block(cfg)
    connect(from, b)
    from = b
  end
  return from
end

-- if/else: from branches to two arms that join again; returns the join block.
local function diamond(cfg, from)
  local yes, no, join = new_block(cfg), new_block(cfg), new_block(cfg)
  connect(from, yes); connect(from, no)
  connect(yes, join); connect(no, join)
  return join
end

-- Records a loop at nesting depth depth (outermost loops have depth 1).
local function expect_loop(cfg, depth, irreducible)
  local e = cfg.expected
  e.loops = e.loops + 1
  if irreducible then e.irreducible = e.irreducible + 1 end
  if depth > e.depth then e.depth = depth end
end

-- Two blocks that jump into each other, entered at both: one irreducible loop.
local function irreducible(cfg, from, depth)
  local a, b, out = new_block(cfg), new_block(cfg), new_block(cfg)
  connect(from, a); connect(from, b)
  connect(a, b); connect(b, a)
  connect(b, out)
  expect_loop(cfg, depth, true)
  return out
end

-- A block that branches back to itself.
local function self_loop(cfg, from, depth)
  local b = straight(cfg, from, 1)
  connect(b, b)
  expect_loop(cfg, depth, false)
  return straight(cfg, b, 1)
end

-- The body of a loop at nesting level depth: inner loops while levels remain, and an
-- if/else, a self loop or an irreducible region at the bottom, chosen by shape.
local nest
local function body(cfg, from, depth, levels, width, shape)
  if levels == 0 then
    local kind = shape % 4
    if kind == 1 then return self_loop(cfg, from, depth + 1) end
    if kind == 2 then return irreducible(cfg, from, depth + 1) end
    return straight(cfg, diamond(cfg, from), 1)
  end
  for k = 1, width do from = nest(cfg, from, depth + 1, levels - 1, width, shape + k) end
  return from
end

-- A loop: header, body, latch jumping back to the header, exit block.
nest = function(cfg, from, depth, levels, width, shape)
  local header = straight(cfg, from, 1)
  local latch = diamond(cfg, body(cfg, header, depth, levels, width, shape))
  connect(latch, header)
  expect_loop(cfg, depth, false)
  return straight(cfg, latch, 1)
end

-- A whole "function": entry, then a sequence of loop nests (each spec is {levels, width})
-- separated by straight code, plus one unreachable block (which the finder must ignore).
local function build_cfg(specs, shape)
  local cfg = new_cfg()
  local entry = new_block(cfg)
  local at = straight(cfg, entry, 2)
  for k, spec in ipairs(specs) do
    at = nest(cfg, at, 1, spec[1], spec[2], shape + k)
    at = straight(cfg, diamond(cfg, at), 1 + k % 3)
  end
  connect(new_block(cfg), at)
  return cfg
end

---------------------------------------------------------------- union-find

local function uf_find(parent, x)
  local root = x
  while parent[root] ~= root do root = parent[root] end
  while parent[x] ~= root do
    local up = parent[x]
    parent[x] = root
    x = up
  end
  return root
end

---------------------------------------------------------------- Havlak's loop finder

local UNVISITED = 0

-- Iterative depth-first search from the entry; number[block id] is the preorder number,
-- node[number] the block, last[number] the largest number in that node's DFS subtree.
local function dfs_number(cfg)
  local number, node, last = {}, {}, {}
  for _, b in ipairs(cfg.blocks) do number[b.id] = UNVISITED end
  local entry = cfg.blocks[1]
  local stack, edge, count = { entry }, { 0 }, 1
  number[entry.id], node[1] = 1, entry
  while #stack > 0 do
    local top = #stack
    local b, k = stack[top], edge[top] + 1
    local succ = b.succs[k]
    if succ then
      edge[top] = k
      if number[succ.id] == UNVISITED then
        count = count + 1
        number[succ.id], node[count] = count, succ
        stack[top + 1], edge[top + 1] = succ, 0
      end
    else
      last[number[b.id]] = count
      stack[top], edge[top] = nil, nil
    end
  end
  return number, node, last, count
end

-- The loop structure graph: each loop knows its header, blocks, children and parent.
local function new_loop(lsg, header, kind)
  local loop = { header = header, kind = kind, blocks = {}, children = {}, parent = nil }
  lsg.loops[#lsg.loops + 1] = loop
  return loop
end

local function find_loops(cfg)
  local number, node, last, n = dfs_number(cfg)
  local function is_ancestor(w, v) return w <= v and v <= last[w] end

  -- Split each node's predecessors into back edges (from descendants) and the rest.
  local back, other, kind, parent, loop_of = {}, {}, {}, {}, {}
  for w = 1, n do
    back[w], other[w], kind[w], parent[w] = {}, {}, "none", w
    for _, p in ipairs(node[w].preds) do
      local v = number[p.id]
      if v ~= UNVISITED then
        if is_ancestor(w, v) then back[w][#back[w] + 1] = v
        else other[w][#other[w] + 1] = v end
      end
    end
  end

  local lsg = { loops = {} }
  -- Innermost headers first: reverse preorder, collapsing each loop into its header.
  for w = n, 1, -1 do
    local pool, in_pool, work = {}, {}, {}
    for _, v in ipairs(back[w]) do
      if v == w then
        kind[w] = "self"
      else
        local r = uf_find(parent, v)
        if not in_pool[r] then
          in_pool[r] = true
          pool[#pool + 1], work[#work + 1] = r, r
        end
      end
    end
    if #pool > 0 and kind[w] == "none" then kind[w] = "reducible" end
    while #work > 0 do
      local x = work[#work]
      work[#work] = nil
      for _, y in ipairs(other[x]) do
        local yr = uf_find(parent, y)
        if not is_ancestor(w, yr) then
          -- An entry into the loop body that bypasses w: the loop is irreducible.
          kind[w] = "irreducible"
          other[w][#other[w] + 1] = yr
        elseif yr ~= w and not in_pool[yr] then
          in_pool[yr] = true
          pool[#pool + 1], work[#work + 1] = yr, yr
        end
      end
    end
    if #pool > 0 or kind[w] == "self" then
      local loop = new_loop(lsg, node[w], kind[w])
      loop_of[w] = loop
      loop.blocks[1] = node[w]
      for _, x in ipairs(pool) do
        parent[x] = w  -- union: x's whole subtree now collapses into header w
        local inner = loop_of[x]
        if inner then inner.parent = loop
        else loop.blocks[#loop.blocks + 1] = node[x] end
      end
    end
  end

  -- Nesting: loops were made inside out, so walk them from the outermost down.
  local top_level, max_depth, irreducible = {}, 0, 0
  for k = #lsg.loops, 1, -1 do
    local loop = lsg.loops[k]
    if loop.parent then
      loop.depth = loop.parent.depth + 1
      local siblings = loop.parent.children
      siblings[#siblings + 1] = loop
    else
      loop.depth = 1
      top_level[#top_level + 1] = loop
    end
    if loop.depth > max_depth then max_depth = loop.depth end
    if loop.kind == "irreducible" then irreducible = irreducible + 1 end
  end
  lsg.top_level, lsg.max_depth, lsg.irreducible = top_level, max_depth, irreducible
  return lsg
end

---------------------------------------------------------------- service

local graphs, stats

-- Every block of the reachable graph belongs to at most one innermost loop, and each
-- loop's blocks are listed once: sums the sizes as a cross-check of the collapse.
local function loop_block_sum(lsg)
  local total = 0
  for _, loop in ipairs(lsg.loops) do total = total + #loop.blocks end
  return total
end

local function depth_signature(lsg)
  local sig = 0
  for _, loop in ipairs(lsg.loops) do sig = (sig * 17 + loop.depth * 3 + #loop.children) % 1000003 end
  return sig
end

return {
  requests = 1000,
  setup = function()
    graphs = {}
    -- Similar sizes, different shapes: deep and narrow to shallow and wide.
    graphs[1] = build_cfg({ { 3, 2 }, { 3, 2 }, { 3, 2 } }, 0)
    graphs[2] = build_cfg({ { 2, 4 }, { 2, 4 } }, 1)
    graphs[3] = build_cfg({ { 1, 5 }, { 1, 5 }, { 1, 5 }, { 1, 5 }, { 1, 5 }, { 1, 5 } }, 2)
    graphs[4] = build_cfg({ { 4, 2 }, { 1, 5 }, { 1, 4 } }, 3)
    stats = { runs = 0, loops = 0, irreducible = 0, blocks = 0, depth = 0, sig = 0 }
  end,
  request = function(i)
    local cfg = graphs[1 + i % #graphs]
    local lsg = find_loops(cfg)
    local e = cfg.expected
    if #lsg.loops ~= e.loops then
      error(format("havlak: found %d loops, expected %d", #lsg.loops, e.loops))
    end
    if lsg.irreducible ~= e.irreducible then
      error(format("havlak: found %d irreducible loops, expected %d", lsg.irreducible, e.irreducible))
    end
    if lsg.max_depth ~= e.depth then
      error(format("havlak: max depth %d, expected %d", lsg.max_depth, e.depth))
    end
    stats.runs = stats.runs + 1
    stats.loops = stats.loops + #lsg.loops
    stats.irreducible = stats.irreducible + lsg.irreducible
    stats.blocks = stats.blocks + loop_block_sum(lsg)
    if lsg.max_depth > stats.depth then stats.depth = lsg.max_depth end
    stats.sig = (stats.sig * 31 + depth_signature(lsg)) % 1000003
  end,
  check = function()
    local sizes = {}
    for k, g in ipairs(graphs) do
      sizes[k] = format("%d/%d", #g.blocks, g.expected.loops)
    end
    return format("runs=%d loops=%d irreducible=%d loopblocks=%d maxdepth=%d sig=%d graphs=%s",
      stats.runs, stats.loops, stats.irreducible, stats.blocks, stats.depth, stats.sig,
      table.concat(sizes, ","))
  end,
}
