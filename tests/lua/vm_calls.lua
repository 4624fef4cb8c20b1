-- vm_calls: calls, varargs, multiple results, tail calls, deep recursion, closures and upvalues.
local function f(...) return ... end
print(f(1, 2, 3))
print((f(1, 2, 3)))
print(f())
print(select('#', f()), select('#', f(nil, nil)), select('#', f(f(1, 2), f(3, 4))))
local function g(a, b, ...) return a, b, ... end
print(g(1))
print(g(1, 2, 3, 4))
local function cnt(...) return select('#', ...) end
print(cnt(), cnt(nil), cnt(1, 2, 3), cnt(f(1, 2, 3)), cnt(f(1, 2, 3), 4), cnt(f(), f()))
local function va2(...) local a, b, c = ... return c, b, a end
print(va2(1, 2))
local function packed(...) local t = {...} return #t, t[1], t[#t] end
print(packed(5, 6, 7, 8))
local function tailv(...) return select('#', ...), ... end
print(tailv(1, nil, 3))
local function tail(n, acc) if n == 0 then return acc end return tail(n - 1, acc + 1) end
print(tail(1000000, 0))
local function tailc(n) if n == 0 then return select('#', 1, 2, 3) end return tailc(n - 1) end
print(tailc(100))
local function tailva(n, ...) if n == 0 then return ... end return tailva(n - 1, n, ...) end
print(tailva(5))
local function deep(n) if n == 0 then return 0 end return 1 + deep(n - 1) end
print(deep(150000))
local function mk() local c = 0 return function() c = c + 1 return c end end
local c1, c2 = mk(), mk()
print(c1(), c1(), c2(), c1())
local fns = {}
for i = 1, 3 do fns[i] = function() return i end end
print(fns[1](), fns[2](), fns[3]())
local ws = {}
local k = 1
while k <= 3 do local kk = k ws[k] = function() kk = kk + 10 return kk end k = k + 1 end
print(ws[1](), ws[1](), ws[2](), ws[3]())
local shared
do local x = 1 local function inc() x = x + 1 return x end shared = {inc, function() return x end} end
shared[1]() shared[1]() print(shared[2]())
local function outer() local a = 1 local function mid() local function inner() a = a * 2 return a end return inner end return mid() end
local inn = outer() print(inn(), inn())
local t = setmetatable({}, {__call = function(self, a, b) return "called", a, b end})
print(t(1, 2))
print(select('#', t()))
local t2 = setmetatable({}, {__call = t})
print(select('#', pcall(t2, 5)), select(2, pcall(t2, 5)) , (select(4, pcall(t2, 5))))
local obj = {v = 10}
function obj:get(d) return self.v + d end
function obj.static(x) return x * 2 end
print(obj:get(5), obj.get(obj, 1), obj.static(4))
print(string.format("%s-%s", ("ab"):upper(), ("x"):rep(3)))
local co = coroutine.wrap(function(...) local n = select('#', ...) local x = coroutine.yield(n) return x * 2 end)
print(co(1, 2, 3), co(21))
local s = 0
for _, v in ipairs({1, 2, 3}) do s = s + v end
print(s)
local function iter(st, i) i = i + 1 if st[i] then return i, st[i] end end
for i, v in iter, {"a", "b"}, 0 do print(i, v) end
local function ret3() return 1, 2, 3 end
local a, b, c, d = ret3()
print(a, b, c, d)
local tt = {ret3(), ret3()}
print(#tt)
print(math.max(ret3()), (ret3()))
