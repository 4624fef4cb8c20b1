-- bad: same
local n = 3x4
