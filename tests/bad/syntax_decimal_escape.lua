-- bad: same
local s = "\300"
