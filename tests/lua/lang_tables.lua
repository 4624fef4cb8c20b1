-- lang_tables: constructors, length, the table library, next/ipairs, integer/float keys.
local function show(t, n) local o = {} for i = 1, n or #t do o[i] = tostring(t[i]) end return table.concat(o, ",") end
-- R(...): all values as one string, so that a call in the middle of an argument list keeps them.
local function R(...)
  local t = table.pack(...)
  for i = 1, t.n do t[i] = tostring(t[i]) end
  return "[" .. table.concat(t, ",") .. "]"
end
local t = {10, 20, 30, x = 1, ["y"] = 2, [3 + 1] = 40, [5.0] = 50}
print("ctor", #t, t.x, t.y, t[4], t[5], show(t))
print("ctor trailing", #{1, 2, 3,}, #{1; 2; 3}, #{n = 1}, #{})
-- insert / remove
local a = {}
for i = 1, 5 do table.insert(a, i * i) end
table.insert(a, 1, 0)
table.insert(a, 3, 99)
print("insert", show(a))
print("remove", table.remove(a), table.remove(a, 1), table.remove(a, 2), show(a))
print("remove empty", table.remove({}), R(table.remove({}, 0)), #a)
print("remove edge", R(pcall(table.remove, {1, 2}, 5)), table.remove({1, 2}, 3))
print("insert err", R(pcall(table.insert, {1}, 5, 2)), R(pcall(table.insert, {}, 1, 2, 3)))
-- concat
print("concat", table.concat({1, 2, 3}), table.concat({1, 2, 3}, "-"), table.concat({"a", "b", "c"}, ", ", 2, 3),
  table.concat({}, "x"), table.concat({1, 2}, "x", 3), table.concat({1.5, "s", 2}, " "))
print("concat err", R(pcall(table.concat, {1, {}, 3})), R(pcall(table.concat, {1, nil, 3}, ",", 1, 3)))
-- unpack / pack
print("unpack", table.unpack({1, 2, 3}, 2, 3), R(table.unpack({}, 1, 0)), R(table.unpack({n = 1}, -1, 1)))
local p = table.pack(1, nil, 3, nil)
print("pack", p.n, p[1], p[2], p[3], p[4])
print("unpack err", R(pcall(table.unpack, {}, 1, 1e8)))
-- move
local m = {1, 2, 3, 4, 5}
table.move(m, 2, 4, 1)
print("move down", show(m))
m = {1, 2, 3, 4, 5}
table.move(m, 1, 3, 3)
print("move up", show(m))
local dst = table.move({1, 2, 3}, 1, 3, 2, {})
print("move other", show(dst, 4))
-- sort: default, comparator, stability-independent checks, errors
local nums = {5, 3, 8, 1, 9, 2, 7, 4, 6, 0}
table.sort(nums)
print("sort", show(nums))
table.sort(nums, function(x, y) return x > y end)
print("sort desc", show(nums))
local words = {"pear", "Apple", "fig", "banana", "cherry"}
table.sort(words)
print("sort str", show(words))
table.sort(words, function(x, y) return #x < #y or (#x == #y and x < y) end)
print("sort len", show(words))
local recs = {}
for i = 1, 50 do recs[i] = {k = (i * 37) % 11, id = i} end
table.sort(recs, function(x, y) if x.k ~= y.k then return x.k < y.k end return x.id < y.id end)
local ks = {}
for i = 1, 10 do ks[i] = recs[i].k .. "/" .. recs[i].id end
print("sort recs", table.concat(ks, " "))
local big = {}
for i = 1, 1000 do big[i] = (i * 7919) % 1009 end
table.sort(big)
local sorted = true
for i = 2, #big do if big[i - 1] > big[i] then sorted = false end end
print("sort big", sorted, big[1], big[500], big[1000])
print("sort uncomparable", R(pcall(table.sort, {{}, {}, {}})))
print("sort floats", show((function() local f = {3.5, -1, 2, 0.5, 2.25} table.sort(f) return f end)()))
-- length of sequences with nils at the end (borders) that are unambiguous
local s = {1, 2, 3}
s[#s + 1] = 4
s[#s] = nil
print("border", #s)
local grow = {}
for i = 1, 100 do grow[i] = i end
for i = 100, 51, -1 do grow[i] = nil end
print("shrink", #grow)
-- next / ipairs / pairs on array parts and hashes
print("next empty", next({}), R(next({}, nil)))
local count, sum = 0, 0
for k, v in pairs({1, 2, 3, a = 4, b = 5}) do count = count + 1; sum = sum + v end
print("pairs", count, sum)
local it = {}
for i, v in ipairs({"a", "b", nil, "d"}) do it[#it + 1] = i .. v end
print("ipairs stop", table.concat(it, " "))
local proxy = setmetatable({}, {__index = function(_, i) if i <= 3 then return i * 10 end end})
local pi = {}
for i, v in ipairs(proxy) do pi[#pi + 1] = v end
print("ipairs __index", table.concat(pi, " "))
-- modifying existing fields during traversal is allowed
local mod = {a = 1, b = 2, c = 3}
for k in pairs(mod) do mod[k] = nil end
print("clear in pairs", next(mod))
-- keys: integers, floats, strings, booleans, tables, functions
local keys = {}
local kt, kf = {}, function() end
keys[1] = "int"; keys[1.5] = "float"; keys["1"] = "str"; keys[true] = "bool"; keys[kt] = "tbl"; keys[kf] = "fn"
print("keys", keys[1], keys[1.0], keys[1.5], keys["1"], keys[true], keys[kt], keys[kf], keys[false])
keys[2^53] = "f53"
print("float key norm", keys[math.tointeger(2^53)], math.type(next({[3.0] = 1})))
-- nested tables and references
local nested = {inner = {deep = {value = "found"}}}
local alias = nested.inner
alias.deep.value = "changed"
print("nested", nested.inner.deep.value, nested.inner == alias)
-- large arrays and hash growth/shrink
local arr = {}
for i = 1, 10000 do arr[i] = i end
local hs = {}
for i = 1, 10000 do hs["k" .. i] = i end
local hsum = 0
for k, v in pairs(hs) do hsum = hsum + v end
for i = 1, 10000, 2 do hs["k" .. i] = nil end
local left = 0
for _ in pairs(hs) do left = left + 1 end
print("large", #arr, arr[10000], hsum, left)
-- negative and zero indices live in the hash part
local neg = {}
neg[0] = "zero"; neg[-1] = "minus"; neg[1] = "one"
print("neg", #neg, neg[0], neg[-1])
-- table.concat with numbers uses number formatting
print("concat nums", table.concat({1, 2.0, -0.0, 1e100, math.mininteger}, " "))
-- select('#') vs # on tables with holes made by table.pack
print("pack holes", table.pack(nil, nil).n, select("#", table.unpack({1, nil, 3}, 1, 3)))
-- rawget/rawset/rawequal/rawlen
local r = setmetatable({}, {__index = function() return "meta" end, __newindex = function() error("no") end})
rawset(r, "k", "v")
print("raw", r.k, r.other, rawget(r, "other"), rawlen({1, 2, 3}), R(pcall(function() r.z = 1 end)))
