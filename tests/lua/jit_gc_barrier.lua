-- jit_gc_barrier.lua: compiled stores of new objects into old tables while the incremental
-- collector marks. The back barrier is compiled inline: without it a black table keeps a
-- white object the sweep frees (ASan reports the use; here the contents go wrong).
local N = 2000
local holders, keep = {}, {}
for i = 1, N do holders[i] = { x = false, s = false } ; keep[i] = false end
local big = {}
for i = 1, 50000 do big[i] = { i } end   -- long marking phases: stores land in black tables

-- put is what gets compiled; the new objects are made by its caller.
local function put(h, o, s, arr, k, e)
  h.x = o            -- a new table into a field (a shape slot)
  h.s = s            -- a new string into a field
  arr[k] = e         -- a new table into an array element
end

local function round(r)
  for i = 1, N do
    put(holders[i], { n = i + r }, "s" .. (i + r), keep, i, { m = i - r })
    if i % 20 == 0 then collectgarbage("step", 0) end
  end
  local junk = {}
  for k = 1, 3000 do junk[k] = { k, "junk" .. k } end   -- reuses what was freed
  local bad = 0
  for i = 1, N do
    local h = holders[i]
    if h.x.n ~= i + r or h.s ~= "s" .. (i + r) or keep[i].m ~= i - r then bad = bad + 1 end
  end
  return bad
end

for _, mode in ipairs({ "incremental", "generational" }) do
  collectgarbage(mode)
  local bad = 0
  for r = 1, 30 do bad = bad + round(r) end
  collectgarbage()
  print(mode, "bad", bad, holders[7].x.n, holders[7].s, keep[7].m)
end
