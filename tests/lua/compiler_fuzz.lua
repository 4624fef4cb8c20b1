-- compiler_fuzz.lua: load() of deterministic mutations of a program; prints each result, so the
-- compiler's error messages (and its survival) are compared with lua5.4 (compiler test)
local src = [==[
local a, b <const>, c = 1, 2, "s\n\x41\u{48}\z
   tail"
local t = {1, 2.5, 0x10, 1e3, [a] = b, x = {y = c}, "long" .. [[str]]}
local function f(x, ...)
  local n <close> = nil
  for i = 1, #t, 2 do if t[i] then goto next end ::next:: end
  for k, v in pairs(t) do x = x + (tonumber(v) or 0) // 1 end
  while x > 100 do x = x - 7 break end
  repeat local y = x; x = x >> 1 until y < 1000 or x ~= x
  return x and -x or not x, ..., t.x.y:upper(), #t, ~a | b & 3 ~ 4 << 1
end
return f(a, b, c) == nil, t[1] <= t[2], -- comment
  (function() return [=[ ]] ]=] end)()
]==]
local pieces = {"(", ")", "{", "}", "[", "]", "=", ",", ";", ".", ":", "'", '"', "\\", "-", "<",
  ">", "~", "local ", "end ", "goto ", "::", "...", "function ", "return ", "break ", "\n", "0x",
  "e", "1", "<close>", "<const>", "[[", "]=]", "--", "..", " and ", "if ", "then ", "\\u{", "#"}
local state = 12345
local function rand(n)   -- a fixed LCG keeps the mutations the same everywhere
  state = (state * 1103515245 + 12345) % 2147483648
  return state % n + 1
end
print(load(src, "=orig") ~= nil)
for i = 1, 600 do
  local s = src
  for _ = 1, rand(3) do
    local p = rand(#s)
    s = s:sub(1, p - 1) .. pieces[rand(#pieces)] .. s:sub(p + rand(3) - 1)
  end
  local fn, err = load(s, "=m")
  print(i, fn and "ok" or err)
end
