-- conformance: an uncaught error object with __tostring is reported through it, exit status 1
local co = coroutine.wrap(function() coroutine.yield() end)
co()
error(setmetatable({}, {__tostring = function() return "custom error object" end}))
