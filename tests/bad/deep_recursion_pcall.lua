-- bad: error stack overflow
-- Recursion through pcall: each level is a protected C call.
local function f() local ok, e = pcall(f); error(e, 0) end
f()
