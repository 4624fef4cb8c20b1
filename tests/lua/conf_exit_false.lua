-- conformance: os.exit(true/false) and a pending <close> at os.exit(0, true) (closed) and os.exit without close (not closed)
local x <close> = setmetatable({}, {__close = function() print("closed x") end})
print(pcall(os.exit, "bad"))
do local y <close> = setmetatable({}, {__close = function() print("closed y") end}) end
os.exit(false)
