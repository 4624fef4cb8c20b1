-- bad: same
local x = = 1
