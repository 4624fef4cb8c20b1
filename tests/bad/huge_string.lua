-- bad: error (too large|not enough memory)
local s = string.rep("x", 2^40)
print(#s)
