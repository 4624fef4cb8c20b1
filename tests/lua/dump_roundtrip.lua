-- string.dump and load of binary chunks: a loaded function behaves like the original, with
-- and without debug information; dumping a loaded function again gives the same bytes.
local function roundtrip(f, strip)
  local s = string.dump(f, strip)
  assert(type(s) == "string" and s:byte(1) == 27)
  return assert(load(s, "=dumped", "b"))
end

local corpus = {}
corpus.arith = function(a, b) return a + b, a - b, a * b, a / b, a // b, a % b, a ^ 2, -a end
corpus.bits = function(a, b) return a & b, a | b, a ~ b, a << 3, a >> 1, ~a end
corpus.cmp = function(a, b) return a < b, a <= b, a == b, a ~= b, a > 3, a >= -1, a == 7 end
corpus.strings = function(s) return s .. "!" .. #s, s:upper(), ("%d-%s"):format(#s, s) end
corpus.tables = function(n)
  local t = {1, 2, 3, x = "a", ["y z"] = true, [10] = n}
  t.w = {n, n * 2, {n}}
  return #t, t.x, t["y z"], t[10], t.w[3][1]
end
corpus.loops = function(n)
  local s = 0
  for i = 1, n do s = s + i end
  for i = n, 1, -2 do s = s - i end
  for k, v in ipairs({5, 6, 7}) do s = s + k * v end
  local i = 0
  while i < n do i = i + 1; if i % 3 == 0 then goto cont end; s = s + 1; ::cont:: end
  repeat i = i - 1 until i <= 0
  for x = 0.5, 2.5, 0.5 do s = s + x end
  return s
end
corpus.varargs = function(...)
  local t = {...}
  local a, b = ...
  return select("#", ...), #t, a, b, select(2, ...)
end
corpus.closures = function(n)
  local fs = {}
  for i = 1, n do fs[i] = function() i = i + 10; return i end end
  local acc = 0
  local function add(x) acc = acc + x; return add end
  add(1)(2)(3)
  return fs[1](), fs[1](), fs[n](), acc
end
corpus.recursion = function(n)
  local function fib(k) if k < 2 then return k end return fib(k - 1) + fib(k - 2) end
  return fib(n)
end
corpus.tailcall = function(n)
  local function loop(k, acc) if k == 0 then return acc end return loop(k - 1, acc + k) end
  return loop(n, 0)
end
corpus.constants = function()
  return 1, 1.0, -0.0, 1 / 0, -1 / 0, math.mininteger, math.maxinteger, 2 ^ 53, 0.1,
         "a\0b", ("x"):rep(60), "", true, false, nil
end
corpus.methods = function(n)
  local obj = {n = n}
  function obj:get() return self.n end
  function obj.static(x) return x end
  return obj:get(), obj.static(n + 1)
end
corpus.tbc = function()
  local log = {}
  do
    local x <close> = setmetatable({}, {__close = function() log[#log + 1] = "closed" end})
    local y <const> = 5
    log[#log + 1] = "body" .. y
  end
  return table.concat(log, ",")
end
corpus.errors = function(x)
  local ok, err = pcall(function() return x.field end)
  return ok, (err:gsub("^[^:]*:%d+: ", ""))
end
corpus.manyregs = function()
  local t = {}
  for i = 1, 200 do t[i] = i end
  return #t, select("#", table.unpack(t)), t[1] + t[200]
end

local names = {}
for k in pairs(corpus) do names[#names + 1] = k end
table.sort(names)

local function show(...)
  local n = select("#", ...)
  local t = {}
  for i = 1, n do
    local v = select(i, ...)
    t[i] = type(v) == "string" and string.format("%q", v) or tostring(v)
  end
  return n .. ": " .. table.concat(t, " ")
end

local args = {arith = {7, 2}, bits = {12, 5}, cmp = {3, 7}, strings = {"abc"}, tables = {4},
              loops = {10}, varargs = {1, nil, 3}, closures = {3}, recursion = {15},
              tailcall = {10000}, constants = {}, methods = {9}, tbc = {}, errors = {},
              manyregs = {}}
for _, name in ipairs(names) do
  local f = corpus[name]
  local a = args[name]
  local want = show(f(table.unpack(a, 1, 3)))
  for _, strip in ipairs({false, true}) do
    local g = roundtrip(f, strip)
    local got = show(g(table.unpack(a, 1, 3)))
    print(name, strip and "stripped" or "debug", got == want, got)
  end
end

-- the same bytes again when a loaded function is dumped
for _, name in ipairs(names) do
  local f = corpus[name]
  local s1, s2 = string.dump(f), string.dump(f, true)
  print(name, string.dump(roundtrip(f)) == s1, string.dump(roundtrip(f, true), true) == s2,
        #s2 < #s1, string.dump(roundtrip(f), true) == s2)
end

-- a whole chunk, loaded from its text, then dumped and loaded again
local src = [[
local n = ...
local t = {}
for i = 1, n do t[#t + 1] = i * i end
return table.concat(t, " "), select("#", ...)
]]
local chunk = assert(load(src, "=src"))
print(load(string.dump(chunk))(5, "extra"))
print(load(string.dump(chunk, true))(3))

-- a binary chunk read by a reader function, in pieces of 7 bytes
local s = string.dump(corpus.recursion)
local pos = 1
local g = load(function()
  local piece = s:sub(pos, pos + 6)
  pos = pos + 7
  return piece ~= "" and piece or nil
end)
print("reader", g(20))

-- through a file: loadfile and dofile take binary chunks too
local name = os.tmpname()
local fh = assert(io.open(name, "wb"))
fh:write(string.dump(function(...) return "from file", ... end))
fh:close()
print(loadfile(name)(1, 2))
print(dofile(name))
print(loadfile(name, "t"))
print(loadfile(name, "b")("b ok"))
os.remove(name)
