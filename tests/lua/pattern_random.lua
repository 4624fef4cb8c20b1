-- random patterns through find, gsub and gmatch (a fixed LCG, so both interpreters see the same cases)
local seed = 7
local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n + 1 end
local atoms = {"a", "b", ".", "%a", "%d", "%s", "%w", "%A", "[ab]", "[^a]", "[a-c]", "[%d_]", "%.", "%%",
               "(", ")", "()", "%1", "%2", "%b()", "%f[%w]", "%f[%W]", "^", "$", "x", "[]]", "-", "%z", "[%]]"}
local quants = {"", "", "", "*", "+", "-", "?"}
local subj = {"a", "b", "ab", "aab", " ", "1", "(", ")", "x", "_", "c", "\0", "."}
for i = 1, 1500 do
  local p = {}
  for j = 1, rnd(6) do p[#p + 1] = atoms[rnd(#atoms)] .. quants[rnd(#quants)] end
  local s = {}
  for j = 1, rnd(12) - 1 do s[#s + 1] = subj[rnd(#subj)] end
  p, s = table.concat(p), table.concat(s)
  local init = rnd(5) - 2
  local r1 = table.pack(pcall(string.find, s, p, init))
  local r2 = table.pack(pcall(string.gsub, s, p, "<%0>", rnd(4)))
  local r3 = {}
  local ok = pcall(function() for a, b in s:gmatch(p) do r3[#r3 + 1] = tostring(a) .. "," .. tostring(b) if #r3 > 50 then break end end end)
  local out = {}
  for k = 1, r1.n do out[#out + 1] = tostring(r1[k]) end
  for k = 1, r2.n do out[#out + 1] = tostring(r2[k]) end
  out[#out + 1] = tostring(ok) .. table.concat(r3, ";")
  print(i, ("%q"):format(p), ("%q"):format(s), (table.concat(out, " "):gsub("\0", "\\0")))
end
