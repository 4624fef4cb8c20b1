-- runtime error messages of code that ran hot (compiled, under the JIT's modes) with good operands
-- first: the names and wording must be lua5.4's as in the interpreter
local function hot(name, f, good, bad)
  for i = 1, 300 do f(good, i) end
  local ok, m = pcall(f, bad, 1)
  print(name, m)
end
local G = {}
hot("field arith", function(a, i) return a.x + i end, {x = 1}, {})
hot("local arith", function(a, i) return a + i end, 1, "abc")
hot("string arith ok", function(a, i) return a + i end, 1, "10")
hot("concat", function(a, i) return a .. i end, "s", {})
hot("index local", function(a, i) return a.k end, {k = 1}, nil)
hot("index field", function(a, i) return a.b.c end, {b = {c = 1}}, {})
local U
hot("upvalue", function(a, i) U = a return U.y end, {y = 1}, nil)
G[1] = {y = 1}
hot("unknown field", function(a, i) return G[a].y end, 1, 2)
hot("constant key", function(a, i) return a.k.y end, {k = {}}, {})
hot("global call", function(a, i) if a then return math.abs(i) else return nofunc(i) end end, true, false)
hot("method", function(a, i) return a:get(i) end, {get = function(s, i) return i end}, {})
hot("call field", function(a, i) return a.f(i) end, {f = function(i) return i end}, {f = 5})
hot("compare", function(a, i) return a < i end, 1, "x")
hot("compare2", function(a, i) return i <= a end, 1, {})
hot("for limit", function(a, i) local s = 0 for j = 1, a do s = s + j end return s end, 3, "x")
hot("for step", function(a, i) local s = 0 for j = 1, 3, a do s = s + j end return s end, 1, 0)
hot("bitwise", function(a, i) return a | i end, 3, 1.5)
hot("bitwise str", function(a, i) return a & i end, 3, "x")
hot("len", function(a, i) return #a end, "abc", 5)
hot("unm", function(a, i) return -a end, 5, {})
hot("idiv zero", function(a, i) return i // a end, 1, 0)
hot("mod zero", function(a, i) return i % a end, 1, 0)
hot("int overflow for", function(a, i) local n = 0 for j = a, a + 2 do n = n + 1 end return n end, 1, math.maxinteger - 1)
hot("table.insert", function(a, i) local t = {} table.insert(t, a, i) return t end, 1, 5)
hot("string.rep", function(a, i) return string.rep("x", a) end, 2, "y")
hot("setindex nil", function(a, i) a.x = i end, {}, nil)
hot("setindex nan", function(a, i) local t = {} t[a] = i end, 1, 0/0)
