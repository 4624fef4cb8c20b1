-- bad: traceback
local co = coroutine.wrap(function() error("inside") end)
co()
