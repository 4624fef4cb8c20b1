-- property: string.pack then string.unpack gives back the values, over random formats and values
-- that fit them; packsize agrees with the packed length for fixed-size formats
math.randomseed(4242)
local fails, errors = 0, 0
local function randstr(n, nozero)
  local t = {}
  for i = 1, n do t[i] = string.char(nozero and math.random(1, 255) or math.random(0, 255)) end
  return table.concat(t)
end
-- each option: its format text, a value that fits, and whether its size is fixed
local function intopt(signed, n)
  local bits = 8 * n
  local v
  if n >= 8 then
    v = signed and math.random(0) or math.random(0) & math.maxinteger   -- unsigned > 8 bytes: no sign
    if n == 8 and not signed then v = math.random(0) end              -- 8 bytes: wraps around
  elseif signed then
    v = math.random(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
  else
    v = math.random(0, (1 << bits) - 1)
  end
  return (signed and "i" or "I") .. n, v, true
end
local function option()
  local k = math.random(14)
  if k == 1 then return intopt(math.random(2) == 1, math.random(1, 16)) end
  if k == 2 then return ({"b", "h", "i", "l", "j"})[math.random(5)], math.random(-128, 127), true end
  if k == 3 then return ({"B", "H", "I", "L", "J", "T"})[math.random(6)], math.random(0, 255), true end
  if k == 4 then return "f", math.random(-2^20, 2^20) / 2^math.random(0, 20), true end
  if k == 5 then return ({"d", "n"})[math.random(2)], math.random() * 10.0 ^ math.random(-300, 300), true end
  if k == 6 then return "j", math.random(0), true end
  if k == 7 then local n = math.random(1, 4) return "s" .. n, randstr(math.random(0, 20)), false end
  if k == 8 then return "s", randstr(math.random(0, 20)), false end
  if k == 9 then return "z", randstr(math.random(0, 20), true), false end
  if k == 10 then local n = math.random(0, 9) return "c" .. n, randstr(n), true end
  if k == 11 then return ({"<", ">", "=", "!", "!1", "!2", "!4", "!8", " "})[math.random(9)], nil, true end
  if k == 12 then return "x", nil, true end
  if k == 13 then return "X" .. ({"i2", "i4", "i8", "b", "h", "d", "j"})[math.random(7)], nil, true end
  return intopt(true, ({1, 2, 4, 8})[math.random(4)])
end
local function same(a, b) return a == b and math.type(a) == math.type(b) end

for case = 1, 600 do
  local fmt, vals, fixed = {}, {}, true
  for i = 1, math.random(1, 6) do
    local o, v, fx = option()
    fmt[#fmt + 1] = o
    if v ~= nil then vals[#vals + 1] = v end
    fixed = fixed and fx
  end
  fmt = table.concat(fmt)
  local ok, s = pcall(string.pack, fmt, table.unpack(vals))
  if not ok then
    errors = errors + 1
    print(case, fmt, "error", s)   -- e.g. alignment of a size that is not a power of 2
  else
    if fixed then
      local size = string.packsize(fmt)
      if size ~= #s then fails = fails + 1; print("FAIL packsize", fmt, size, #s) end
    end
    local r = table.pack(string.unpack(fmt, s))
    local good = r.n == #vals + 1 and r[r.n] == #s + 1
    for i = 1, #vals do good = good and same(r[i], vals[i]) end
    if not good then fails = fails + 1; print("FAIL", fmt, table.unpack(vals)) end
    if case <= 200 then print(case, fmt, (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))) end
  end
end
print("errors", errors, "failures", fails)
