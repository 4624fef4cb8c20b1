-- bad: error too many local variables \(limit is 32767\)
-- More local-variable debug entries than one function may have: an error, never a crash.
local parts = {}
for i = 1, 20000 do parts[#parts + 1] = "for i = 1, 1 do end" end
assert(load(table.concat(parts, "\n")))
