-- random conversion specs and values through string.format (a fixed LCG: same cases everywhere)
local seed = 7
local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n + 1 end
local flags = {"", "", "-", "+", " ", "#", "0", "-0", "+ ", "#0", "--", "00"}
local widths = {"", "", "1", "5", "12", "99", "100", "0"}
local precs = {"", "", ".", ".0", ".3", ".12", ".99", ".100"}
local convs = {"d", "i", "u", "c", "x", "X", "o", "e", "E", "f", "F", "g", "G", "a", "A", "s", "q", "p", "%", "y", "l"}
local vals = {0, 1, -1, 65, 255, 3.5, -0.0, 1e300, -1e-300, 1/0, -1/0, 2^63, math.maxinteger, math.mininteger,
              "str", "", "12", "a\0b", true, nil, 0.1, 123456789012, -2.5e-7}
for i = 1, 1500 do
  local spec = "%" .. flags[rnd(#flags)] .. widths[rnd(#widths)] .. precs[rnd(#precs)] .. convs[rnd(#convs)]
  local v = vals[rnd(#vals)]
  local ok, r = pcall(string.format, spec .. "|", v)
  if type(v) == "table" or spec:find("p") then r = ok end
  print(i, spec, ok, (tostring(r):gsub("\0", "\\0")))
end
