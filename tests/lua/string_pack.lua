-- string.pack, string.unpack, string.packsize: every option, endianness, alignment, limits
local function hex(s)
  return (s:gsub(".", function(c) return ("%02x"):format(c:byte()) end))
end
local function P(...)
  local ok, r = pcall(string.pack, ...)
  print(ok, ok and hex(r) or r)
end
local function U(...)
  local r = table.pack(pcall(string.unpack, ...))
  for i = 1, r.n do r[i] = tostring(r[i]) end
  print(table.concat(r, "\t", 1, r.n))
end
local function S(...) print(pcall(string.packsize, ...)) end

-- integers of every size and both byte orders
P("i4", 100)
P(">i4", 100)
P("<i2 >i2 =i2", 1, 2, 3)
P("b B h H", -1, 255, -2, 65535)
P("i3 I3", -2, 16777215)
P("i1 i2 i5 i6 i7 i8", -1, -1, -1, -1, -1, -1)
P("i16", -2)
P(">I16", 5)
P("<i9 >i9", math.mininteger, math.maxinteger)
P("j J T l L", -1, -1, 1, 2, 3)
P("I8", -1)
P("i", 7)
P("I", 7)
P("b", "12")
P("i4", 3.0)
P("i1", -128)
P("i1", 127)
P("I1", 0)
P("I1", 255)

-- floats
P("f d n", 1.5, -2.25, 0.1)
P(">d >f", 1.5, 1.5)
P("f", 1e300)
P("d", 1/0)
P("n", "2.5")

-- strings
P("s", "hello")
P("s1", "hi")
P(">s2", "hi")
P("s16", "x")
P("z", "hi")
P("z", "")
P("c5", "hi")
P("c2", "hi")
P("c0", "")
P("c1 c1", "a", "b")
P("s1 z c3", "ab", "cd", "ef")

-- padding and alignment
P("x i1 x", 7)
P("xxxx")
P("!4 b i4", 1, 2)
P("! b d", 1, 2)
P("!2 b i8", 1, 2)
P("!8 b Xi8 b", 1, 2)
P("b Xi2 b", 1, 2)
P("!4 b Xd b", 1, 2)
P("!16 b i16", 1, 2)
P("!4 i3 i4", 1, 2)
P("<!4 b >i4", 1, 2)
P("  b  ", 1)
P("")

-- pack errors
P("i17", 1)
P("i0", 1)
P("c", "a")
P("y", 1)
P("!3i4", 1)
P("!17", 1)
P("b X", 1)
P("b Xc", 1)
P("Xz", 1)
P("X ", 1)
P("i1", 200)
P("i1", -129)
P("i2", 32768)
P("I1", -1)
P("I1", 256)
P("I4", 1 << 32)
P("s1", ("x"):rep(256))
P("z", "a\0b")
P("c2", "abc")
P("i4")
P("i4", "x")
P("i4", 1.5)
P("d", "x")
P("s", {})
P("c1", nil)
print(pcall(string.pack))
print(pcall(string.pack, {}))

-- packsize
S("i4 i8 d b")
S("!8 b i8")
S("!b d")
S("c10 x")
S("")
S("b Xi8")
S("<>=! i")
S("s")
S("z")
S("c2147483647")
S("c2147483647 c1")
S("c1073741824 c1073741823")
S("c99999999999")
S("i17")
S("q")

-- unpack
U("i4", "\100\0\0\0")
U(">i4", "\0\0\0\100")
U("i3", "\254\255\255")
U("I3", "\254\255\255")
U("i16", ("\255"):rep(16))
U("i16", "\254" .. ("\255"):rep(6) .. "\127" .. ("\255"):rep(8))
U("I9", "\1" .. ("\0"):rep(7) .. "\1")
U("i9", "\1" .. ("\0"):rep(8))
U("i9", ("\255"):rep(9))
U(">i9", "\0" .. ("\255"):rep(8))
U("I8", ("\255"):rep(8))
U("b B h H", "\255\255\254\255\255\255")
U("f d", string.pack("f d", 1.5, -2.25))
U(">d", string.pack(">d", 0.1))
U("n", string.pack("n", 1/0))
U("z z", "ab\0cd\0")
U("s1", "\3abc")
U("s1", "\5abc")
U("c2 c1", "abc")
U("c0", "")
U("!4 b i4", "\1\0\0\0\2\0\0\0")
U("x b X i2", "\1\2\3\4")
U("i4", "abc")
U("z", "abc")
U("i4", "abcd", 10)
U("i4", "abcd", 5)
U("i4", "abcd", 4)
U("i4", "abcd", -10)
U("b", "abcd", -1)
U("b", "abcd", 0)
U("", "abc")
U("", "abc", 4)
U("", "abc", 5)
U("i17", "")
print(pcall(string.unpack, "i4"))
print(pcall(string.unpack))
print(pcall(string.unpack, "b", "x", 1.5))

-- round trips
local fmt = "<!2 b h i3 j f d s1 z c4 B H I5 J"
local vals = {-5, -300, -70000, math.mininteger, 0.5, 1e100, "str", "zero", "four", 200, 60000, 2^39, -1}
local packed = string.pack(fmt, table.unpack(vals))
print(#packed, string.packsize((fmt:gsub("s1 z ", ""))))
local back = table.pack(string.unpack(fmt, packed))
for i = 1, #vals do io.write(tostring(back[i] == vals[i] or back[i]), " ") end
print(back[#vals + 1] == #packed + 1)
for _, n in ipairs({0, 1, -1, 127, -128, 255, 32767, -32768, math.maxinteger, math.mininteger}) do
  local ok = true
  for size = 1, 16 do
    local lim = size < 8 and (1 << (size * 8 - 1)) or nil
    if not lim or (n >= -lim and n < lim) then
      if string.unpack("<i" .. size, string.pack("<i" .. size, n)) ~= n then ok = false end
      if string.unpack(">i" .. size, string.pack(">i" .. size, n)) ~= n then ok = false end
    end
  end
  io.write(tostring(ok), " ")
end
print()
