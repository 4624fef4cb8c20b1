-- bad: error (too large|not enough memory)
-- ulimit-v: 204800
local s = string.rep("x", 2^20)
while true do s = s .. s end
