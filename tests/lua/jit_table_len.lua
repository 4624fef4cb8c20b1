-- jit_table_len.lua: #t of tables in compiled code (a helper call in the middle of a block):
-- values live across the call in every register class must survive it, borders of arrays
-- with holes and hash parts agree with lua5.4 where the border is unique, and a table that
-- gains a metatable with __len leaves the compiled path.
local function lens(list, x, y)
  local n, f = 0, 0.5
  local a, b, c, d = x + 1, x + 2, x * 3, y * 1.5
  for i = 1, #list do
    local t = list[i]
    n = n + #t + a + b + c          -- integers live across the call
    f = f + d * #t                  -- a float live across it
  end
  return n, f, a + b + c + d
end
local list = {}
for i = 1, 50 do
  local t = {}
  for k = 1, i % 7 do t[k] = k end  -- unique borders: arrays without holes
  if i % 5 == 0 then t.name = "x" end
  list[i] = t
end
for round = 1, 400 do
  local n, f, s = lens(list, round, round)
  if round % 100 == 0 then print("round", round, n, f, s) end
end

-- Appends and removals between calls: the length is read again each time.
local function grow(t, k)
  local before = #t
  t[#t + 1] = k
  t[#t + 1] = k
  t[#t] = nil
  return before, #t
end
local g, r = {}, {}
for k = 1, 2000 do local a, b = grow(g, k) ; r[#r + 1] = a + b end
print("grow", #g, r[1], r[1000], r[2000])

-- A table that gets a metatable with __len.
local function len1(t) return #t end
local plain = { 1, 2, 3 }
for _ = 1, 500 do len1(plain) end
print("plain", len1(plain))
setmetatable(plain, { __len = function() return 42 end })
print("with __len", len1(plain))
print("string", len1("abcd"))
