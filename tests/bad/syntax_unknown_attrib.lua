-- bad: same
local x <frozen> = 1
