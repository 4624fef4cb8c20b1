-- A function with more constants than an instruction's Bx field can index (LOADKX).
local parts = {"local t = {"}
for i = 1, 70000 do parts[#parts + 1] = ("%d.5,"):format(i) end
parts[#parts + 1] = "} return t"
local t = load(table.concat(parts))()
print(#t, t[1], t[65535], t[65536], t[65537], t[70000])
local s = {"local x = 0 "}
for i = 1, 66000 do s[#s + 1] = ("x = 's%d' "):format(i) end
s[#s + 1] = "return x"
print(load(table.concat(s))())
