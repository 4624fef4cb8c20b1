-- utf8 library: char, charpattern, codes, codepoint, len, offset (strict and lax) and errors
local function show(v)
  if type(v) ~= "string" then return tostring(v) end
  return (v:gsub("[%z\1-\31\127-\255]", function(c) return ("\\x%02x"):format(c:byte()) end))
end
local function T(f, ...)
  local r = table.pack(pcall(f, ...))
  for i = 1, r.n do r[i] = show(r[i]) end
  print(table.concat(r, "\t", 1, r.n))
end

local s = "h\u{E4}\u{20AC}\u{1F600}x"   -- 1, 2, 3 and 4-byte characters
print(#s, show(s))

-- char
T(utf8.char, 72, 228, 8364, 128512, 1114111)
T(utf8.char, 0, 127, 128, 2047, 2048, 65535, 65536)
T(utf8.char, 0x7FFFFFFF, 0x110000, 0xD800, 0x3FFFFFF, 0x4000000)
T(utf8.char)
T(utf8.char, "65", 66.0)
T(utf8.char, -1)
T(utf8.char, 0x80000000)
T(utf8.char, 1.5)
T(utf8.char, 65, {})

-- charpattern
print(show(utf8.charpattern))
local chars = {}
for c in s:gmatch(utf8.charpattern) do chars[#chars + 1] = show(c) end
print(#chars, table.concat(chars, " "))

-- codepoint
T(utf8.codepoint, s)
T(utf8.codepoint, s, 1, -1)
T(utf8.codepoint, s, 2)
T(utf8.codepoint, s, 4, 7)
T(utf8.codepoint, s, 3)
T(utf8.codepoint, s, -1)
T(utf8.codepoint, s, 5, 4)
T(utf8.codepoint, "")
T(utf8.codepoint, "abc", 0)
T(utf8.codepoint, "abc", 4)
T(utf8.codepoint, "abc", 1, 4)
T(utf8.codepoint, "abc", -3, -1)
T(utf8.codepoint, "abc", -4)
T(utf8.codepoint, "\xff")
T(utf8.codepoint, "\xc0\x80")
T(utf8.codepoint, "\xe2\x82")
T(utf8.codepoint, "\xed\xa0\x80")
T(utf8.codepoint, "\xed\xa0\x80", 1, 1, true)
T(utf8.codepoint, "\xf4\x90\x80\x80")
T(utf8.codepoint, "\xf4\x90\x80\x80", 1, 1, true)
T(utf8.codepoint, "\xfd\xbf\xbf\xbf\xbf\xbf", 1, 1, true)
T(utf8.codepoint, "\xfe\xbf\xbf\xbf\xbf\xbf\xbf", 1, 1, true)
T(utf8.codepoint, "\xf0\x80\x80\x80", 1, 1, true)

-- len
T(utf8.len, s)
T(utf8.len, s, 3)
T(utf8.len, s, 2, 3)
T(utf8.len, s, -1)
T(utf8.len, s, -2)
T(utf8.len, "")
T(utf8.len, "abc", 4)
T(utf8.len, "abc", 5)
T(utf8.len, "abc", 0)
T(utf8.len, "abc", 1, 3)
T(utf8.len, "abc", 1, 4)
T(utf8.len, "abc", 3, 1)
T(utf8.len, "abc", -5)
T(utf8.len, "a\xffb")
T(utf8.len, "a\xed\xa0\x80b")
T(utf8.len, "a\xed\xa0\x80b", 1, -1, true)
T(utf8.len, "\xf4\x90\x80\x80", 1, -1, true)
T(utf8.len, "\x80abc")
T(utf8.len, "abc\xe2\x82")

-- offset
for _, n in ipairs({1, 2, 3, 4, 5, 6, 7, -1, -2, -5, -6, 0}) do
  io.write(n, ":", tostring(utf8.offset(s, n)), " ")
end
print()
T(utf8.offset, s, 0, 3)
T(utf8.offset, s, 0, 5)
T(utf8.offset, s, 0, 11)
T(utf8.offset, s, 1, 3)
T(utf8.offset, s, 2, 2)
T(utf8.offset, s, -1, 4)
T(utf8.offset, s, 1, 4)
T(utf8.offset, "abc", 1, 10)
T(utf8.offset, "abc", 1, 4)
T(utf8.offset, "abc", 2, 4)
T(utf8.offset, "abc", 1, 0)
T(utf8.offset, "abc", 1, -3)
T(utf8.offset, "abc", 1, -4)
T(utf8.offset, "abc", -1, 4)
T(utf8.offset, "\x80", 1)
T(utf8.offset, "\x80", 0)
T(utf8.offset, "")
T(utf8.offset, "", 1)
T(utf8.offset, "", -1)

-- codes
local function codes(str, lax)
  local ok, err = pcall(function()
    local parts = {}
    for p, c in utf8.codes(str, lax) do parts[#parts + 1] = p .. "=" .. c end
    print(#parts, table.concat(parts, " "))
  end)
  if not ok then print("error", err) end
end
codes(s)
codes("")
codes("abc")
codes("a\xffb")
codes("\x80")
codes("a\x80")
codes("a\xed\xa0\x80")
codes("a\xed\xa0\x80", true)
codes("a\xc3")
codes("a\xc3\xa4\xa4")
codes("\xf4\x90\x80\x80", true)
codes("\xf4\x90\x80\x80")
T(utf8.codes)
T(utf8.codes, {})
print(select("#", utf8.codes("x")))

-- round trip over a range of code points
local ok = true
for _, cp in ipairs({0, 1, 0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0x10000, 0x10FFFF}) do
  local e = utf8.char(cp)
  if utf8.codepoint(e) ~= cp or utf8.len(e) ~= 1 or #e ~= utf8.offset(e .. "x", 2) - 1 then ok = false end
end
print("round trip", ok)
