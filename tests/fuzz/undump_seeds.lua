-- Seed corpus for fuzz_undump: the body (after the 36-byte header) of string.dump of each
-- given file's main function, with and without debug information, up to 8 KiB each.
-- Usage: jolt tests/fuzz/undump_seeds.lua OUTDIR FILE.lua...
local out = assert(arg[1], "usage: undump_seeds.lua OUTDIR FILE.lua...")
local n = 0
for i = 2, #arg do
  local f = loadfile(arg[i])
  for _, strip in ipairs(f and {false, true} or {}) do
    local body = string.dump(f, strip):sub(37)
    if #body <= 8192 then
      n = n + 1
      local h = assert(io.open(("%s/undump%04d"):format(out, n), "wb"))
      h:write(body)
      h:close()
    end
  end
end
print(n .. " seeds")
