-- bad: same
local t = { 1, 2,
