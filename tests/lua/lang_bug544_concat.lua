-- expect-differ: lua5.4 5.4.4 gives __concat wrong operands for a 3-value concat in a coroutine
-- `(-1) .. (v .. "b")` must call __concat(v, "b") and then concatenate -1 with its result;
-- lua5.4 calls it with (-1, v) instead. Found by tests/gen/gen.lua.
local MT = {}
local function str(x) return tostring(x) end
MT.__concat = function(a, b) return str(a.n) .. "~" .. str(b) end
local v = setmetatable({n = 1}, MT)
local co = coroutine.wrap(function(x)
  for i = 1, 3 do x = coroutine.yield(((- 1) .. (v .. "b"))) end
  return "done"
end)
print(pcall(function() return co(1), co(2), co(3), co(4) end))
print((-1) .. (v .. "b"))
