-- Stripped binary chunks: tracebacks without lines, no active lines (as lua5.4).
local function f() error("boom") end
local g = load(string.dump(function(...) local f = ... ; f() end, true))
print(select(2, xpcall(g, debug.traceback, f)))
local h = load(string.dump(function(x) return x + 1 end, true))
local n = 0 for k in pairs(debug.getinfo(h, "L").activelines) do n = n + 1 end
print("activelines", n)
