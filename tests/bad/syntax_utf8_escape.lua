-- bad: same
local s = "\u{110000000}"
