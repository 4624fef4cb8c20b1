-- finalizers: order, resurrection, late __gc, errors, finalizers at exit
local order = {}
local objs = {}
for i = 1, 5 do objs[i] = setmetatable({}, {__gc = function() order[#order + 1] = i end}) end
objs = nil
collectgarbage()
print("order", table.concat(order, " "))

local saved
do setmetatable({name = "x"}, {__gc = function(o) saved = o end}) end
collectgarbage()
print("resurrected", saved and saved.name)
saved = nil
collectgarbage()

-- __gc added after setmetatable is not a finalizer
local mt = {}
local y = setmetatable({}, mt)
mt.__gc = function() print("never printed") end
y = nil
collectgarbage()

-- an error in __gc is a warning (off by default) and the program goes on
setmetatable({}, {__gc = function() error("boom") end})
collectgarbage()
print("after error")

-- a weak table loses a finalized object's value before the finalizer runs, keeps the key
local wv = setmetatable({}, {__mode = "v"})
local wk = setmetatable({}, {__mode = "k"})
local seen
do
  local o = setmetatable({}, {__gc = function(o) seen = {wv[1] == nil, wk[o] ~= nil} end})
  wv[1] = o; wk[o] = true
end
collectgarbage()
print("weak during __gc", seen[1], seen[2])

-- finalizers of many objects all run
local n = 0
for i = 1, 1000 do setmetatable({}, {__gc = function() n = n + 1 end}) end
collectgarbage(); collectgarbage()
print("many", n)

-- a finalizer that allocates and collects
setmetatable({}, {__gc = function()
  local t = {} for i = 1, 100 do t[i] = {i} end
  print("allocating finalizer ran", #t)
end})
collectgarbage()

-- pending finalizers run when the state closes, newest first
setmetatable({}, {__gc = function() print("closing 1") end})
setmetatable({}, {__gc = function() print("closing 2") end})
print("end")
