-- bad: traceback
local x = {}
print("a" .. x)
