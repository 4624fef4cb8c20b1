-- bad: same
local t = {}
t.x 5
