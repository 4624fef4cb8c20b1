-- string.dump's errors, load's checks of binary chunks (mode, signature, truncation) and the
-- error positions of stripped functions ("?:-1:"), as lua5.4 reports them.
print(pcall(string.dump, print))
print(pcall(string.dump, coroutine.wrap(function() end)))
print(pcall(string.dump, string.len))
print(pcall(string.dump))
print(pcall(string.dump, {}))
print(pcall(string.dump, setmetatable({}, {__call = print})))
print(pcall(string.dump, "function"))

local function f(x) return x + 1 end
local s = string.dump(f)
-- mode
print(load(s, "name", "t"))
print(load(s, "name", "b") ~= nil, load(s, "name", "bt") ~= nil, load(s, "name") ~= nil)
print(load("return 1", "name", "b"))
print(pcall(load, s, "name", "x"))

-- truncated chunks, named as lua5.4 names them in these messages
print(load("\27"))
print(load("\27Lu"))
print(load("\27Lua"))
print(load("\27Lua", "@file.lua"))
print(load("\27Lua", "=name"))
print(load("\27Lua", "plain"))
print(load("\27Lux"))
print(load("\27Lua\x53"))
print(load("\27Lua\x54\x07"))
print(load("\27Lua\x54\xff"))
local cut, total = 0, 0
for _, g in ipairs({f, print and function(...) local t = {...} return #t, t end}) do
  for _, strip in ipairs({false, true}) do
    local d = string.dump(g, strip)
    for n = 1, #d - 1 do
      total = total + 1
      local fn, msg = load(d:sub(1, n))
      if fn == nil and msg == "binary string: bad binary format (truncated chunk)" then
        cut = cut + 1
      end
    end
  end
end
print("every proper prefix is a truncated chunk", cut == total)

-- stripped functions: no source ("=?"), no lines (-1), no local names
local function g(t) local v = t.a.b return v end
local gs = load(string.dump(g, true))
print(pcall(gs, {}))
print(pcall(load(string.dump(g)), {}))
print(pcall(load(string.dump(function() error("msg") end, true))))
print(pcall(load(string.dump(function() error("msg", 2) end, true))))
print(select(2, pcall(load(string.dump(function() error({}) end, true)))) ~= nil)
print(pcall(load(string.dump(function() return undefined_global.x end, true))))
print(pcall(load(string.dump(function() return 1 < {} end, true))))
print(pcall(load(string.dump(function(a) return a .. {} end, true)), "s"))
local info = debug.getinfo(gs, "S")
print(info.source, info.short_src, info.what, info.linedefined, info.lastlinedefined)
info = debug.getinfo(load(string.dump(g)), "S")
print(info.source, info.short_src, info.what, info.linedefined, info.lastlinedefined)
print(debug.getlocal(gs, 1), debug.getlocal(load(string.dump(g)), 1))
