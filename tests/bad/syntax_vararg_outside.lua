-- bad: same
local function f() return ... end
