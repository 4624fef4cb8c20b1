-- bad: error stack overflow|too many|overflow
-- A very long concatenation chain built at run time through load.
local parts = {}
for i = 1, 300000 do parts[i] = "a" end
local f = assert(load("return " .. table.concat(parts, " .. ")))
print(#f())
