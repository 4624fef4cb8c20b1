-- bad: same
local x = 1
break
