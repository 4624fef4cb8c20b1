-- bad: traceback
local t = {}
print(t.count + 1)
