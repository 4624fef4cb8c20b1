-- string library: len, sub, upper, lower, rep, reverse, byte, char, dump, and their errors
local function show(s) return (s:gsub("[%z\1-\31\127-\255]", function(c) return ("\\%d"):format(c:byte()) end)) end
local function try(f, ...)
  local r = table.pack(pcall(f, ...))
  for i = 1, r.n do if type(r[i]) == "string" then r[i] = show(r[i]) else r[i] = tostring(r[i]) end end
  print(table.concat(r, "\t", 1, r.n))
end

-- len
print(string.len(""), string.len("abc"), string.len("a\0b\0"), #"hello", ("xyz"):len())
try(string.len)
try(string.len, 123)
try(string.len, {})

-- sub: every sign and clamp combination
local s = "hello world"
for _, p in ipairs({{1, 5}, {7}, {-5}, {-5, -2}, {0}, {0, 0}, {3, 2}, {-100, 3}, {5, 100},
                    {12}, {11}, {-11}, {-12, -11}, {math.mininteger, math.maxinteger},
                    {math.maxinteger}, {2.0, 4.0}, {"2", "4"}}) do
  print(p[1], p[2], "[" .. s:sub(p[1], p[2]) .. "]")
end
try(string.sub, s)
try(string.sub, s, 1.5)
try(string.sub, s, "x")
try(string.sub, s, 1, {})
print(("\0a\0b"):sub(2, 3) == "a\0")

-- upper, lower, reverse
print(string.upper("Hello, World! 123"), string.lower("Hello, World! 123"))
print(show(string.upper("caf\xe9")), show(string.lower("CAF\xc9")))
print(string.reverse("hello"), string.reverse(""), string.reverse("a"), show(("a\0b"):reverse()))
print(string.upper(12), string.lower(1.5), string.reverse(123))
try(string.upper)
try(string.reverse, nil)

-- rep
print(string.rep("ab", 3), string.rep("ab", 3, ","), string.rep("ab", 1, ","))
print("[" .. string.rep("ab", 0) .. "]", "[" .. string.rep("ab", -5, ",") .. "]", "[" .. string.rep("", 5) .. "]")
print(string.rep("x", 3, ""), string.rep("", 3, "-"), #string.rep("abc", 1000), #string.rep("a", 100, "bc"))
print(string.rep(1, 3), string.rep("a", 3.0), string.rep("a", "2"))
try(string.rep, "x", 1 << 40)
try(string.rep, "x", math.maxinteger)
try(string.rep, "x", 1 << 31, "y")
try(string.rep, "x", 2.5)
try(string.rep, "x")
try(string.rep)

-- byte
print(string.byte("ABC"), string.byte("ABC", 2), string.byte("ABC", -1))
print(string.byte("ABC", 1, -1))
print(string.byte("ABC", 1, 10))
print(select("#", string.byte("ABC", 10)), select("#", string.byte("ABC", 0)), select("#", string.byte("")))
print(string.byte("ABC", -10, 2))
print(string.byte("ABC", 3, 2))
print(string.byte("\0\255"), ("x"):byte())
try(string.byte, "abc", {})
try(string.byte)

-- char
print(string.char(72, 101, 108, 108, 111), "[" .. string.char() .. "]", show(string.char(0, 255)))
print(string.char("65", 66.0))
try(string.char, 256)
try(string.char, -1)
try(string.char, 65, "x")
try(string.char, 1.5)

-- round trips
local all = {}
for i = 0, 255 do all[#all + 1] = string.char(i) end
local bytes = table.concat(all)
print(#bytes, bytes:byte(1), bytes:byte(256), bytes:upper():lower() == bytes:lower())
local t = {bytes:byte(1, -1)}
print(#t, t[1], t[128], t[256], string.char(table.unpack(t)) == bytes)

-- dump
try(string.dump)
try(string.dump, 1)

-- methods through the string metatable
local str = "Method"
print(str:upper(), str:lower(), str:len(), str:sub(2, 3), str:rep(2), str:byte(1), ("%d"):format(7))
print(getmetatable("").__index == string, getmetatable("abc") == getmetatable(""))
print(("x").len == string.len, #getmetatable("").__index.format("%5s", "a"))
