-- lang_functions: closures and upvalues, varargs, multiple results, tail calls, recursion.
-- R(...): all values as one string, so that a call in the middle of an argument list keeps them.
local function R(...)
  local t = table.pack(...)
  for i = 1, t.n do t[i] = tostring(t[i]) end
  return "[" .. table.concat(t, ",") .. "]"
end
-- Closures share upvalues; each call makes fresh ones.
local function counter()
  local n = 0
  return function() n = n + 1; return n end, function() return n end
end
local inc, get = counter()
inc(); inc()
local inc2 = counter()
inc2()
print("counter", get(), inc(), inc2())
-- Upvalues of upvalues, shared between sibling closures, closed at block exit.
local adders = {}
for i = 1, 3 do
  local base = i * 10
  adders[i] = function(x) return function(y) return base + x + y end end
end
print("nested", adders[1](1)(1), adders[3](2)(3))
local a, b
do
  local shared = 0
  a = function() shared = shared + 1 return shared end
  b = function() return shared end
end
a(); a()
print("shared", b())
-- while loop locals are fresh each iteration too
local fs, k = {}, 0
while k < 3 do k = k + 1; local j = k; fs[k] = function() j = j + 100; return j end end
print("while fresh", fs[1](), fs[1](), fs[2](), fs[3]())
-- Recursion, local function, mutual recursion.
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print("fib", fib(20))
local even, odd
function even(n) if n == 0 then return true end return odd(n - 1) end
function odd(n) if n == 0 then return false end return even(n - 1) end
print("mutual", even(10), odd(7), even(7))
-- Varargs.
local function va(...)
  local n = select("#", ...)
  local a1, a2 = ...
  return n, a1, a2, #{...} >= 0, table.pack(...).n
end
print("va", va())
print("va", select(1, va(1, nil, 3)), select(5, va(1, nil, 3)))
print("va nils", va(nil, nil))
print("select", select(2, "a", "b", "c"), select(-1, "a", "b", "c"), select(-3, "a", "b", "c"))
print("select #", select("#"), select("#", nil), select("#", nil, nil, nil))
print("select err", R(pcall(select, 0, 1)), pcall(select, -2, 1))
local function pass(...) return ... end
print("pass", pass(1, 2, 3), pass(), pass(nil), (pass(4, 5)))
local function packtail(...) local t = {n = select("#", ...), ...} return t.n, t[1], t[t.n] end
print("pack", packtail(1, nil, nil))
-- Multiple results: truncated in the middle, expanded at the end.
local function three() return 1, 2, 3 end
local t = {three(), three()}
print("table ctor", #t, t[1], t[2], t[4])
t = {three(), (three())}
print("paren", #t)
print("args", three(), three())
print("mid", (three()), 10)
local x, y, z, w = three()
print("assign", x, y, z, w)
x, y = 1
print("assign short", x, y)
local p, q = 10, 20, 30
print("assign long", p, q)
x, y = y, x
print("swap", x, y)
print("string.byte multi", string.byte("abc", 1, -1))
print("unpack", table.unpack({1, 2, 3}), table.unpack({1, 2, 3}, 2), table.unpack({1, 2}, 1, 4))
-- Tail calls do not grow the stack.
local function loop(n, acc) if n == 0 then return acc end return loop(n - 1, acc + 1) end
print("tail", loop(1000000, 0))
local function tc1(n) if n == 0 then return "done", n end return select(2, "x", n) and tc1(n - 1) end
print("tail and", tc1(10))
local obj = {n = 0}
function obj:step(k) if k == 0 then return self.n end self.n = self.n + 1 return self:step(k - 1) end
print("tail method", obj:step(100000))
-- Methods, colon syntax, function definitions in tables.
local Point = {}
Point.__index = Point
function Point.new(x, y) return setmetatable({x = x, y = y}, Point) end
function Point:add(o) return Point.new(self.x + o.x, self.y + o.y) end
function Point:str() return "(" .. self.x .. "," .. self.y .. ")" end
local m = {a = {b = {}}}
function m.a.b.f(v) return v * 2 end
function m.a.b:g(v) return self == m.a.b, v end
print("methods", Point.new(1, 2):add(Point.new(3, 4)):str(), m.a.b.f(21), m.a.b:g(5))
-- Call forms: strings and tables as sole arguments.
local function id(v) return v end
print("call sugar", id"str", id{1, 2}[2], id[[long]], #id{})
-- Functions as values, equality, type.
local f1 = function() end
print("fn eq", f1 == f1, f1 == function() end, type(f1), type(print))
-- Deep but finite recursion is fine.
local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
print("depth", depth(10000))
-- Varargs in a main-chunk-like loaded function.
local chunk = load("local a, b = ... return b, a, select('#', ...)")
print("load va", chunk(1, 2, 3))
