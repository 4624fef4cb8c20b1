-- weak tables: weak keys, weak values, both, ephemerons; strings are values and stay
local function count(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n end

local wk = setmetatable({}, {__mode = "k"})
local wv = setmetatable({}, {__mode = "v"})
local wkv = setmetatable({}, {__mode = "kv"})
local keep = {}
for i = 1, 100 do
  local k, v = {}, {}
  wk[k] = v; wv[i] = v; wkv[k] = v
  if i % 2 == 0 then keep[#keep + 1] = k end
end
wv.str = "a string"; wv[1000] = 42; wk.s = {}; wkv.s2 = "x"
collectgarbage(); collectgarbage()
print("after collect", count(wk), count(wv), count(wkv))
keep = nil
collectgarbage()
print("keys dropped", count(wk), count(wv), count(wkv))

-- an ephemeron chain: b is reached only through e[a], c only through e[b]
local e = setmetatable({}, {__mode = "k"})
local a, b, c = {}, {}, {}
e[a] = b; e[b] = c; e[c] = "end"
b, c = nil, nil
collectgarbage()
print("chain alive", count(e))
a = nil
collectgarbage()
print("chain dead", count(e))

-- a value that refers to its own key does not keep it alive
local self = setmetatable({}, {__mode = "k"})
do local k = {}; self[k] = {k} end
collectgarbage()
print("self cycle", count(self))

-- weak values in the array part and in fields
local arr = setmetatable({}, {__mode = "v"})
for i = 1, 10 do arr[i] = {} end
arr.field = {}
arr.kept = keep or e
collectgarbage()
print("array part", #arr == 0 or #arr, arr.field, arr.kept == e)

-- clearing during traversal with next() stays valid
local w = setmetatable({}, {__mode = "k"})
local hold = {}
for i = 1, 50 do local k = {}; hold[i] = k; w[k] = i end
local sum = 0
for k, v in pairs(w) do sum = sum + v; w[k] = nil; collectgarbage("step") end
print("traversal", sum, count(w))
