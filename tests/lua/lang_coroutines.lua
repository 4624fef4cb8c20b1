-- lang_coroutines: create, resume, yield, status, wrap, isyieldable, running, close, errors.
local co = coroutine.create(function(a, b)
  print("start", a, b)
  local c = coroutine.yield(a + b)
  print("got", c)
  local d, e = coroutine.yield(c * 2)
  print("got2", d, e)
  return "fin", d + e
end)
print("status", coroutine.status(co))
print("r1", coroutine.resume(co, 1, 2))
print("status", coroutine.status(co))
print("r2", coroutine.resume(co, 10))
print("r3", coroutine.resume(co, 3, 4))
print("status", coroutine.status(co))
print("r4", coroutine.resume(co))
-- Generators with wrap.
local function gen(n)
  return coroutine.wrap(function() for i = 1, n do coroutine.yield(i, i * i) end return "end" end)
end
local g = gen(3)
print("wrap", g()); print("wrap", g()); print("wrap", g()); print("wrap", g())
print("wrap dead", pcall(g))
-- Generic for over a wrapped generator.
local acc = {}
for i, sq in coroutine.wrap(function() for i = 1, 5 do coroutine.yield(i, i * i) end end) do acc[#acc + 1] = i .. "=" .. sq end
print("for wrap", table.concat(acc, " "))
-- Yield across pcall and metamethods and in nested functions.
local co2 = coroutine.create(function()
  local ok, v = pcall(function()
    local x = coroutine.yield("in pcall")
    error("err " .. x)
  end)
  coroutine.yield(ok, v)
  local t = setmetatable({}, {__index = function(_, k) return coroutine.yield("in index " .. k) end,
                              __add = function(a, b) return coroutine.yield("in add") end})
  local r = t.foo
  local s = t + 1
  return r, s
end)
print("y1", coroutine.resume(co2))
print("y2", coroutine.resume(co2, "X"))
print("y3", coroutine.resume(co2))
print("y4", coroutine.resume(co2, "idxval"))
print("y5", coroutine.resume(co2, "addval"))
-- Yield inside the iterator of a generic for.
local co3 = coroutine.wrap(function()
  for k in function(_, k) k = (k or 0) + 1; if k <= 2 then coroutine.yield("iter " .. k); return k end end do end
  return "done"
end)
print("iter yield", co3(), co3(), co3())
-- Errors inside coroutines.
local bad = coroutine.create(function() local x = nil; return x.field end)
print("error", coroutine.resume(bad))
print("status after error", coroutine.status(bad), coroutine.resume(bad))
local bad2 = coroutine.create(function() error({code = 7}) end)
local ok, e = coroutine.resume(bad2)
print("error table", ok, type(e), e.code)
print("wrap error", pcall(coroutine.wrap(function() error("wrapped", 0) end)))
print("wrap error pos", pcall(coroutine.wrap(function() error("wrapped") end)))
-- running, isyieldable, status of the running and normal coroutines.
local main, ismain = coroutine.running()
print("running main", type(main), ismain, coroutine.isyieldable())
local outer
outer = coroutine.create(function()
  local inner = coroutine.create(function()
    print("inner sees outer", coroutine.status(outer))
    local _, im = coroutine.running()
    print("inner", im, coroutine.isyieldable(), coroutine.status(coroutine.running()))
  end)
  coroutine.resume(inner)
  print("inner status", coroutine.status(inner))
end)
coroutine.resume(outer)
-- Resuming a running or dead coroutine, resume non-coroutine.
local selfres
selfres = coroutine.create(function() return coroutine.resume(selfres) end)
print("resume self", coroutine.resume(selfres))
print("resume main", coroutine.resume(main))
print("resume bad arg", pcall(coroutine.resume, 1))
print("yield outside", pcall(coroutine.yield, 1))
-- close
local cl = coroutine.create(function() coroutine.yield() end)
coroutine.resume(cl)
print("close suspended", coroutine.close(cl), coroutine.status(cl))
print("close dead", coroutine.close(cl))
local ce = coroutine.create(function() error("x", 0) end)
coroutine.resume(ce)
print("close errored", coroutine.close(ce))
local cc = coroutine.create(function()
  local r <close> = setmetatable({}, {__close = function() error("close err", 0) end})
  coroutine.yield()
end)
coroutine.resume(cc)
print("close with error", coroutine.close(cc))
-- Many coroutines alive at once, and deep recursion inside one.
local cos = {}
for i = 1, 200 do cos[i] = coroutine.create(function(x) local y = coroutine.yield(x * 2); return x + y end) end
local s1, s2 = 0, 0
for i = 1, 200 do local _, v = coroutine.resume(cos[i], i); s1 = s1 + v end
for i = 1, 200 do local _, v = coroutine.resume(cos[i], 1); s2 = s2 + v end
print("many", s1, s2)
local deep = coroutine.wrap(function()
  local function d(n) if n == 0 then return coroutine.yield("bottom") end return d(n - 1) + 0 end
  return d(5000)
end)
print("deep yield", deep())
print("deep resume", deep(7))
-- Passing many values through resume/yield.
local pass = coroutine.wrap(function(...)
  local args = table.pack(...)
  while true do args = table.pack(coroutine.yield(args.n, table.unpack(args, 1, args.n))) end
end)
print("pass", pass(1, nil, 3))
print("pass", pass())
print("pass", pass(nil, nil))
-- Producer/consumer.
local function producer() return coroutine.create(function() for _, w in ipairs({"a", "b", "c"}) do coroutine.yield(w) end end) end
local function consumer(p)
  local out = {}
  while true do
    local _, v = coroutine.resume(p)
    if v == nil then break end
    out[#out + 1] = v
  end
  return table.concat(out)
end
print("prodcons", consumer(producer()))
print("wrap type", type(coroutine.wrap(print)), coroutine.status(coroutine.create(print)))
