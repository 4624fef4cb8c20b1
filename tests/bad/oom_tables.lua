-- bad: error not enough memory
-- ulimit-v: 204800
local t, i = {}, 0
while true do i = i + 1; t[i] = {i, tostring(i), {}} end
