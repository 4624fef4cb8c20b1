-- coroutines: generators, yield across pcall/metamethods/iterators, errors, close, limits
local function gen(n)
  return coroutine.wrap(function() for i = 1, n do coroutine.yield(i) end return "done" end)
end
local g = gen(3)
print(g(), g(), g(), g())
print(pcall(g))
local co = coroutine.create(function(a, b)
  print("start", a, b)
  local c = coroutine.yield(a + b)
  print("got", c)
  local d, e = coroutine.yield(c * 2)
  print("got2", d, e)
  return "end", 99
end)
print(coroutine.status(co))
print(coroutine.resume(co, 1, 2))
print(coroutine.status(co))
print(coroutine.resume(co, 10))
print(coroutine.resume(co, "x", "y"))
print(coroutine.status(co))
print(coroutine.resume(co))
-- yield across pcall
local co2 = coroutine.create(function()
  local ok, v = pcall(function() local x = coroutine.yield(1); error("after " .. x) end)
  coroutine.yield(ok, v)
  return "fin"
end)
print(coroutine.resume(co2))
print(coroutine.resume(co2, "resumed"))
print(coroutine.resume(co2))
print(coroutine.resume(co2))
-- yield in metamethod
local mt = {__index = function(t, k) return coroutine.yield(k) end}
local co3 = coroutine.wrap(function() local t = setmetatable({}, mt); return "v=" .. t.foo end)
print(co3())
print(co3("bar"))
-- yield inside iterator
local function iter() return coroutine.wrap(function() for i=1,3 do coroutine.yield(i, i*i) end end) end
for i, sq in iter() do io.write(i, ":", sq, " ") end print()
-- running, isyieldable
print(coroutine.isyieldable())
local co5 = coroutine.create(function() print(coroutine.isyieldable()); local c, m = coroutine.running(); print(type(c), m); print(coroutine.status(c)) end)
coroutine.resume(co5)
-- normal status
local outer
outer = coroutine.create(function()
  local inner = coroutine.create(function() print("outer is", coroutine.status(outer)) end)
  coroutine.resume(inner)
end)
coroutine.resume(outer)
-- errors
print(coroutine.resume(coroutine.create(function() error("oops") end)))
print(type(select(2, coroutine.resume(coroutine.create(function() error({code=1}) end)))))
print(coroutine.resume(coroutine.create(function() local x = nil; return x.y end)))
local w = coroutine.wrap(function() error("werr") end)
print(pcall(w))
local w2 = coroutine.wrap(function() error({}) end)
print(type(select(2, pcall(w2))))
print(pcall(coroutine.create, 1))
print(pcall(coroutine.resume, 1))
print(pcall(coroutine.status, nil))
print(pcall(coroutine.wrap, nil))
-- close
local co6 = coroutine.create(function()
  local x <close> = setmetatable({}, {__close = function(_, e) print("closing x", e) end})
  coroutine.yield(1)
end)
print(coroutine.resume(co6))
print(coroutine.close(co6))
print(coroutine.status(co6))
print(coroutine.close(co6))
local co7 = coroutine.create(function()
  local x <close> = setmetatable({}, {__close = function(_, e) print("closing on error", e) end})
  error("boom")
end)
print(coroutine.resume(co7))
print(coroutine.close(co7))
local co8 = coroutine.create(function()
  local x <close> = setmetatable({}, {__close = function(_, e) error("in close") end})
  coroutine.yield()
end)
coroutine.resume(co8)
print(coroutine.close(co8))
print(pcall(coroutine.close, coroutine.running()))
-- wrap with tbc and error
local w3 = coroutine.wrap(function()
  local x <close> = setmetatable({}, {__close = function(_, e) print("wrap close", e) end})
  error("wrap boom")
end)
print(pcall(w3))
-- deep recursion of coroutines
local function rec(n) if n == 0 then return 0 end local c = coroutine.wrap(rec) return 1 + c(n - 1) end
print(rec(50))
print(pcall(function() local function inf() local c = coroutine.wrap(inf) return c() end return inf() end))
-- many coroutines
local cnt = 0
for i = 1, 2000 do local c = coroutine.wrap(function(a) local b = coroutine.yield(a + 1) cnt = cnt + b end); c(i); c(1) end
print(cnt)
local list = {}
for i = 1, 300 do list[i] = coroutine.create(function() coroutine.yield(i) return i * 2 end) end
local s = 0
for i = 1, 300 do local _, v = coroutine.resume(list[i]); s = s + v end
for i = 1, 300 do local _, v = coroutine.resume(list[i]); s = s + v end
print(s)
-- yield from main
print(pcall(coroutine.yield, 1))
-- resume passing many values
local co9 = coroutine.create(function(...) return select('#', ...), ... end)
print(coroutine.resume(co9, 1, nil, 3, nil))
print(coroutine.resume(coroutine.running()))
print(select(2, coroutine.resume(coroutine.create(function() return coroutine.resume(coroutine.running()) end))))
