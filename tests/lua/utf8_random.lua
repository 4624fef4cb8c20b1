-- random byte strings through the utf8 functions, strict and lax (a fixed LCG: same cases everywhere)
local seed = 7
local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n + 1 end
local bytes = {0x41, 0x00, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xa0, 0xef, 0xf0, 0xf4, 0x90, 0xf8, 0xfc, 0xfd, 0xfe, 0xff, 0x8f}
local function r(t) for k = 1, t.n do t[k] = tostring(t[k]) end return table.concat(t, ",", 1, t.n) end
for i = 1, 1500 do
  local s = {}
  for j = 1, rnd(8) - 1 do s[j] = string.char(bytes[rnd(#bytes)]) end
  s = table.concat(s)
  local lax = rnd(2) == 1
  local a, b = rnd(11) - 6, rnd(11) - 6
  local out = {r(table.pack(pcall(utf8.len, s, a, b, lax))), r(table.pack(pcall(utf8.codepoint, s, a, b, lax))),
               r(table.pack(pcall(utf8.offset, s, a, b))), r(table.pack(pcall(utf8.len, s))), r(table.pack(pcall(utf8.offset, s, a)))}
  local cs = {}
  local ok, e = pcall(function() for p, c in utf8.codes(s, lax) do cs[#cs + 1] = p .. ":" .. c end end)
  out[#out + 1] = tostring(ok) .. table.concat(cs, " ") .. (ok and "" or e:match("invalid.*"))
  print(i, (s:gsub(".", function(c) return ("%02x"):format(c:byte()) end)), table.concat(out, " | "))
end
