-- length and ipairs of sequences built in the usual ways
local t = {}
for i = 1, 100 do t[#t + 1] = i end
print(#t, t[#t])
for i = 1, 10 do table.insert(t, i) end
print(#t)
for i = 1, 30 do t[#t] = nil end
print(#t, t[#t])
table.remove(t, 1)
print(#t, t[1])

local c = {1, 2, nil, 4}
print(#c)
local d = {nil, nil, 3}
print(#d)
local e = {n = 1, 10, 20, 30}
print(#e)

-- a sequence filled backwards
local b = {}
for i = 50, 1, -1 do b[i] = i end
print(#b)

-- ipairs stops at the first nil
local s = {1, 2, 3}
s[5] = 5
local n = 0
for _ in ipairs(s) do n = n + 1 end
print(n)

-- growing from the hash part into the array part
local g = {}
g[3] = 3; g[2] = 2; g[1] = 1
print(#g)
for i = 4, 1000 do g[i] = i end
print(#g)

-- float keys with integral values are integer keys
local f = {}
f[1.0] = "a"; f[2] = "b"; f[3.0] = "c"
print(#f, f[1], f[2.0], f[3])
print(math.type(next({[2.0] = true})))
f[1.5] = "x"
print(f[1.5], f[3/2])
f[2^53] = "big"
print(f[2^53], f[math.tointeger(2^53)])

-- negative and zero keys live in the hash part
local z = {[0] = "zero", [-1] = "neg"}
z[1] = "one"
print(#z, z[0], z[-1])

-- table.unpack and select over array parts
print(table.unpack({1, 2, 3}))
print(select("#", table.unpack({1, nil, 3}, 1, 3)))
