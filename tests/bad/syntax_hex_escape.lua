-- bad: same
local s = "\xZZ"
