-- bad: traceback
local function check(v) if not v then error("check failed") end end
check(false)
