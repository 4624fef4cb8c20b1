-- lang_meta: metatables and every metamethod.
-- R(...): all values as one string, so that a call in the middle of an argument list keeps them.
local function R(...)
  local t = table.pack(...)
  for i = 1, t.n do t[i] = tostring(t[i]) end
  return "[" .. table.concat(t, ",") .. "]"
end
local log = {}
local function L(s) log[#log + 1] = s end
local function flush(label) print(label, table.concat(log, " ")); log = {} end

local V = {}
V.__index = V
local function vec(x, y) return setmetatable({x = x, y = y}, V) end
local function val(o) return type(o) == "table" and o.x or o end
V.__add = function(a, b) L("add"); return vec(val(a) + val(b), 0) end
V.__sub = function(a, b) L("sub"); return vec(val(a) - val(b), 0) end
V.__mul = function(a, b) L("mul"); return vec(val(a) * val(b), 0) end
V.__div = function(a, b) L("div"); return vec(val(a) / val(b), 0) end
V.__mod = function(a, b) L("mod"); return vec(val(a) % val(b), 0) end
V.__pow = function(a, b) L("pow"); return vec(val(a) ^ val(b), 0) end
V.__unm = function(a) L("unm"); return vec(-a.x, -a.y) end
V.__idiv = function(a, b) L("idiv"); return vec(val(a) // val(b), 0) end
V.__band = function(a, b) L("band"); return vec(val(a) & val(b), 0) end
V.__bor = function(a, b) L("bor"); return vec(val(a) | val(b), 0) end
V.__bxor = function(a, b) L("bxor"); return vec(val(a) ~ val(b), 0) end
V.__shl = function(a, b) L("shl"); return vec(val(a) << val(b), 0) end
V.__shr = function(a, b) L("shr"); return vec(val(a) >> val(b), 0) end
V.__bnot = function(a) L("bnot"); return vec(~a.x, 0) end
V.__concat = function(a, b) L("concat"); return tostring(val(a)) .. "&" .. tostring(val(b)) end
V.__len = function(a) L("len"); return a.x * 100 end
V.__eq = function(a, b) L("eq"); return a.x == b.x end
V.__lt = function(a, b) L("lt"); return val(a) < val(b) end
V.__le = function(a, b) L("le"); return val(a) <= val(b) end
V.__call = function(self, a, b) L("call"); return self.x + a, b end
V.__tostring = function(a) return "vec(" .. a.x .. "," .. a.y .. ")" end
V.__name = "Vec"

local a, b = vec(6, 1), vec(4, 2)
print("arith", (a + b).x, (a - 1).x, (2 * a).x, (a / b).x, (a % b).x, (a ^ 2).x, (-a).x, (a // b).x)
flush("log")
print("bitwise", (a & 3).x, (a | b).x, (a ~ b).x, (a << 1).x, (1 >> vec(1, 0)).x, (~a).x)
flush("log")
print("concat", a .. b, a .. "s", 1 .. a, "x" .. 1 .. a)
flush("log")
print("len", #a, #vec(2, 0))
flush("log")
print("eq", a == b, a == vec(6, 0), a ~= vec(6, 9), a == a, a == 6)
flush("log")
print("lt le", a < b, b < a, a <= b, a > b, a >= b, a < 10, 3 <= a)
flush("log")
print("call", a(10, "x"))
flush("log")
print("tostring", tostring(a), string.format("%s|%s", a, b))
-- __name appears in error messages; __tostring wins in tostring.
local named = setmetatable({}, {__name = "MyType"})
print("__name", (tostring(named):gsub("0x%x+", "ADDR")))
print("__name err", pcall(function() return named + 1 end))
-- __index as table chain and as function; rawget bypasses.
local base = {greet = "hello", n = 1}
local mid = setmetatable({mid = true}, {__index = base})
local obj = setmetatable({}, {__index = mid})
print("index chain", obj.greet, obj.mid, obj.none, rawget(obj, "greet"))
local dyn = setmetatable({}, {__index = function(t, k) L("idx:" .. tostring(k)); return k .. "!" end})
print("index fn", dyn.foo, dyn[1], rawget(dyn, "foo"))
flush("log")
-- __newindex as function and table; rawset bypasses; existing keys don't trigger it.
local store = {}
local proxy = setmetatable({}, {__newindex = store})
proxy.a = 1
print("newindex table", rawget(proxy, "a"), store.a)
local guarded = setmetatable({exists = 0}, {__newindex = function(t, k, v) L("new:" .. k); rawset(t, k, v * 2) end})
guarded.x = 5; guarded.x = 7; guarded.exists = 9
print("newindex fn", guarded.x, guarded.exists)
flush("log")
-- __index on strings (the string metatable).
print("string meta", ("abc"):upper(), #getmetatable("").__index == nil)
-- __metatable protects.
local prot = setmetatable({}, {__metatable = "locked"})
print("metatable field", getmetatable(prot), pcall(setmetatable, prot, {}))
-- __pairs
local pt = setmetatable({}, {__pairs = function(t) return function(_, k) if not k then return 1, "one" end end, t, nil end})
for k, v in pairs(pt) do print("__pairs", k, v) end
-- __close and __gc
do local c <close> = setmetatable({}, {__close = function() L("close") end}) end
flush("log")
do
  local g = setmetatable({}, {__gc = function() L("gc") end})
  g = nil
  collectgarbage(); collectgarbage()
end
flush("gc log")
-- __mode weak tables
local weak = setmetatable({}, {__mode = "k"})
local key = {}
weak[key] = 1; weak[{}] = 2
collectgarbage(); collectgarbage()
local cnt = 0
for _ in pairs(weak) do cnt = cnt + 1 end
print("weak keys", cnt, weak[key])
local wv = setmetatable({}, {__mode = "v"})
wv[1] = {}; wv[2] = "str"; wv[3] = key
collectgarbage()
print("weak values", wv[1], wv[2], wv[3] == key)
-- Debian's 5.4.4 keeps the 5.3 compat fallback of __le to "not __lt(b, a)".
local onlylt = setmetatable({}, {__lt = function() return true end})
print("le via lt (5.4 compat)", pcall(function() return onlylt <= onlylt end))
-- __eq only for same types, both tables; result converted to boolean.
local e1 = setmetatable({}, {__eq = function() return 1 end})
local e2 = setmetatable({}, {__eq = function() return nil end})
print("eq result", e1 == e2, e2 == e1, e1 == {}, e1 ~= e2)
-- __index on missing metamethod errors mention the type.
print("errors", pcall(function() return {} .. "x" end))
print("errors", pcall(function() return #nil end))
print("errors", pcall(function() return -{} end))
print("errors", pcall(function() return {} < {} end))
print("errors", pcall(function() return {} < 1 end))
print("errors", pcall(function() return "a" < 1 end))
print("errors", pcall(function() local t = setmetatable({}, {__call = 1}); return t() end))
-- __call chains with extra arguments
local callable = setmetatable({}, {__call = function(self, ...) return select("#", ...), ... end})
print("call args", callable(), callable(nil, 2))
-- __len for tables with and without metamethod; # on strings
print("len", #{1, 2, 3}, #"hello", #setmetatable({1}, {__len = function() return "x" end}))
-- __concat with numbers on either side
local cc = setmetatable({}, {__concat = function(a, b) return (type(a) == "table" and "T" or tostring(a)) .. "+" .. (type(b) == "table" and "T" or tostring(b)) end})
print("concat num", cc .. 1, 1 .. cc, 1.5 .. cc, cc .. cc)
-- setmetatable returns its first argument; getmetatable of non-tables
print("getmetatable", getmetatable(1), getmetatable(print), type(getmetatable("")))
print("setmetatable nil", getmetatable(setmetatable(setmetatable({}, V), nil)))
print("setmetatable err", R(pcall(setmetatable, 1, {})), pcall(setmetatable, {}, 1))
-- inheritance through __index with methods
local Animal = {}
Animal.__index = Animal
function Animal.new(name) return setmetatable({name = name}, Animal) end
function Animal:speak() return self.name .. " makes a sound" end
local Dog = setmetatable({}, {__index = Animal})
Dog.__index = Dog
function Dog.new(name) return setmetatable(Animal.new(name), Dog) end
function Dog:speak() return self.name .. " barks; " .. Animal.speak(self) end
print("inherit", Dog.new("rex"):speak(), Animal.new("cat"):speak())
-- rawequal, rawlen
print("raw", rawequal(a, a), rawequal(a, vec(6, 1)), rawlen({1, 2}), rawlen("abc"))
