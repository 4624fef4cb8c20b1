-- bad: error stack overflow
-- A million non-tail Lua calls must end in a Lua error, not a crash.
local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
print(depth(1e6))
