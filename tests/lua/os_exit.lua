-- os.exit: buffered output is flushed, to-be-closed and __gc run with close=true, status kept
local t = setmetatable({}, {__gc = function() io.write("finalizer ran\n") end})
io.stdout:setvbuf("full")
io.write("buffered output without newline")
io.stderr:write("to stderr\n")
do
  local c <close> = setmetatable({}, {__close = function() print("closed before exit") end})
end
os.exit(3, true)
print("not reached")
