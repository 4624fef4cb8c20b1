-- random formats and values through pack, packsize and unpack (a fixed LCG: same cases everywhere)
local seed = 7
local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n + 1 end
local opts = {"b", "B", "h", "H", "i", "I", "i3", "I5", "i9", "I16", "i0", "i17", "l", "L", "j", "J", "T", "f", "d", "n",
              "s", "s1", "s2", "z", "x", "c3", "c", "c0", "X", "Xi4", "Xb", "Xc1", "!", "!2", "!4", "!3", "<", ">", "=", " ", "q"}
local vals = {0, 1, -1, 127, 128, 255, 256, -129, 65535, 2^31, math.maxinteger, math.mininteger, 1.5, "ab", "", "a\0b", "12"}
for i = 1, 1500 do
  local f = {}
  for j = 1, rnd(4) do f[#f + 1] = opts[rnd(#opts)] end
  f = table.concat(f)
  local args = {}
  for j = 1, rnd(4) - 1 do args[j] = vals[rnd(#vals)] end
  local ok, r = pcall(string.pack, f, table.unpack(args))
  local out = tostring(ok) .. " " .. (ok and (r:gsub(".", function(c) return ("%02x"):format(c:byte()) end)) or r)
  local ok2, n = pcall(string.packsize, f)
  out = out .. " | " .. tostring(ok2) .. " " .. tostring(n)
  if ok then
    local u = table.pack(pcall(string.unpack, f, r))
    for k = 1, u.n do u[k] = tostring(u[k]) end
    out = out .. " | " .. table.concat(u, ",", 1, u.n)
  end
  local junk = ("\1\255\0\128"):rep(rnd(5))
  local u = table.pack(pcall(string.unpack, f, junk, rnd(6) - 3))
  for k = 1, u.n do u[k] = tostring(u[k]) end
  print(i, f, out, table.concat(u, ",", 1, u.n))
end
