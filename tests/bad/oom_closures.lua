-- bad: error not enough memory
-- ulimit-v: 204800
local t, i = {}, 0
while true do i = i + 1; local j = i; t[i] = function() return j end end
