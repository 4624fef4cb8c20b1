-- bad: same
local s = "a\q"
