-- errors in a load reader function: load returns nil and the message, and, as in lua5.4, the
-- message handler of the enclosing protected call sees the error first (load reads in its own
-- frame, keeping the handler), so at the top level of a script the message gets the CLI's
-- traceback; error levels count from the reader (2 is load, 3 its caller)
local function show(f, ...)
  local r = table.pack(load(f, ...))
  print(r.n, r[1], (tostring(r[2]):gsub("\n%s*%[C%]: in %?$", "")))
end

show(function() error("level 1") end)
show(function() error("level 2", 2) end)
show(function() error("level 3", 3) end)
show(function() error() end)
show(function() error({}) end)
show(function() error(setmetatable({}, {__tostring = function() return "tostring'd" end})) end)
show(function() return {} end)
show(function() return true end)
show(function() local t = nil; return t.x end)
show(function() return 1 < "x" end)

-- under pcall there is no handler: the bare message
print(pcall(load, function() error("under pcall") end))

-- xpcall's handler sees it, and what it returns is load's second result
print(xpcall(load, function(m) return "handled: " .. tostring(m) end, function() error("x1") end))
print(xpcall(load, function(m) return "handled: " .. tostring(m) end, function() return {} end))
local calls = 0
print(xpcall(load, function(m) calls = calls + 1; return m end, function() error("x2", 0) end))
print("handler calls", calls)
print(xpcall(load, function() error("again") end, function() error("x3") end))
print(xpcall(load, debug.traceback, function() error("x4") end))

-- syntax errors and mode errors are not runtime errors: no handler, no traceback
local parts = {"return ", "1 +", " +"}
local i = 0
print(xpcall(load, function() return "handler ran" end, function() i = i + 1; return parts[i] end))
i = 0
print(xpcall(load, function() return "handler ran" end, function() i = i + 1; return parts[i] end, "c", "b"))

-- a reader that works, in pieces, and one that errors after a few pieces
parts = {"return ", "1 ", "+ ", "41"}
i = 0
print(load(function() i = i + 1; return parts[i] end)())
i = 0
show(function() i = i + 1; if i > 2 then error("after " .. (i - 1) .. " pieces") end return "x" end)

-- in a coroutine: the coroutine has no handler
print(coroutine.wrap(function() return load(function() error("in co") end) end)())
print(xpcall(function()
  return coroutine.wrap(function() return load(function() error("co under xpcall") end) end)()
end, function(m) return "outer handler: " .. m end))
