-- A binary chunk behind a '#!' line loads with dofile and loadfile, as lua5.4 allows.
local name = os.tmpname()
local f = assert(io.open(name, "wb"))
f:write("#!/usr/bin/env lua\n", string.dump(function(...) return "binary", select("#", ...) end))
f:close()
print(dofile(name))
print(loadfile(name)(1, 2, 3))
print(select(2, loadfile(name, "t")) ~= nil)
os.remove(name)
