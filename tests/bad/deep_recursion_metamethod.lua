-- bad: error stack overflow
-- Recursion through a metamethod crosses the C boundary on every level.
local t = setmetatable({}, {__index = function(t, k) return t[k] end})
print(t.x)
