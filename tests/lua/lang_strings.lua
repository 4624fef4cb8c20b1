-- lang_strings: string library basics, patterns, format, escapes, comparison.
-- R(...): all values as one string, so that a call in the middle of an argument list keeps them.
local function R(...)
  local t = table.pack(...)
  for i = 1, t.n do t[i] = tostring(t[i]) end
  return "[" .. table.concat(t, ",") .. "]"
end
local s = "Hello, World"
print("len", #s, s:len(), ("").len(""))
print("case", s:upper(), s:lower())
print("sub", s:sub(1, 5), s:sub(-5), s:sub(8, -2), s:sub(0), s:sub(5, 2), s:sub(-100, 3), s:sub(3, 100))
print("sub big", s:sub(math.maxinteger), s:sub(math.mininteger, 2), s:sub(2, math.mininteger))
print("rep", ("ab"):rep(3), ("ab"):rep(3, ","), ("x"):rep(0), ("x"):rep(-1), (""):rep(5))
print("reverse", s:reverse(), (""):reverse())
print("byte", s:byte(), s:byte(-1), s:byte(1, 3), s:byte(100))
print("char", string.char(72, 105), string.char(), #string.char(0, 1, 2))
-- escapes and long strings
print("escapes", "tab\tend", "nl\\n", "\65\066\x43", "\u{48}\u{49}", "quote\"s", 'single\'s', #"\0\0")
print("utf8 escape", #"\u{7FF}", #"\u{FFFF}", #"\u{10FFFF}", #"\u{7FFFFFFF}")
print("z escape", "a\z
       b")
print("long", [[
first newline skipped]], [==[with ]] inside]==], #[[

]])
-- comparison is bytewise
print("cmp", "a" < "b", "a" < "ab", "Z" < "a", "" < "a", "abc" == "abc", "a\0b" < "a\0c", "10" < "9")
-- find: plain and pattern
print("find", s:find("World"), s:find("o"), s:find("o", 6), s:find("xyz"), s:find(""), s:find("", 20))
print("find plain", ("a.b.c"):find(".", 1, true), ("a+b"):find("+", 1, true), ("x"):find("x", -10))
print("find pattern", s:find("%u%l+"), s:find("(%a+), (%a+)"), s:find("^Hello"), s:find("^World"))
print("find init", s:find("l", -3), s:find("H", 2), ("aaa"):find("a", 4))
-- match
print("match", s:match("%a+"), s:match("(%a+), (%a+)"), s:match("()ll()"), s:match("%d"))
print("match anchors", ("  trim  "):match("^%s*(.-)%s*$"), ("key=value"):match("^(%w+)=(%w*)$"))
print("match classes", ("a1 B2_c3"):match("%w+"), ("x  y"):match("%s+"), ("3.14"):match("%d+%.%d+"),
  ("ab!?"):match("%p+"), ("\t\n"):match("%c+") == "\t\n", ("hex ff"):match("%x+$"))
print("match sets", ("hello123"):match("[a-z]+"), ("hello123"):match("[^a-z]+"), ("a-b"):match("[%-]"),
  ("]x"):match("[]]"), ("a^b"):match("[%^]"), ("x-y"):match("[x-]+"))
print("match quantifiers", ("aaab"):match("a*"), ("aaab"):match("a-b"), ("b"):match("a?b"), ("<<a>>"):match("<(.-)>"), ("<<a>>"):match("<(.*)>"))
print("match balanced", ("f(a(b)c) d"):match("%b()"), ("[[x]]"):match("%b[]"))
print("match frontier", ("THE (quick) fox"):find("%f[%a]%a+%f[%A]"), ("hello world"):gsub("%f[%w]%w+", "W"))
print("match backref", ('say "hi" or \'yo\''):match("([\"'])(.-)%1"), ("abcabc"):match("(abc)%1"))
print("match pos capture", ("hello"):match("()e()"))
-- gmatch
local words = {}
for w in ("one two  three"):gmatch("%a+") do words[#words + 1] = w end
print("gmatch", table.concat(words, "|"), #words)
local kv = {}
for k, v in ("a=1, b=2, c=3"):gmatch("(%w+)=(%w+)") do kv[#kv + 1] = k .. ":" .. v end
print("gmatch pairs", table.concat(kv, " "))
local empties = 0
for _ in ("abc"):gmatch("") do empties = empties + 1 end
print("gmatch empty", empties)
local anch = {}
for w in ("aaa"):gmatch("^a") do anch[#anch + 1] = w end
print("gmatch anchor", #anch)
-- gsub with string, table, function replacements and counts
print("gsub", ("hello world"):gsub("o", "0"), ("hello world"):gsub("o", "0", 1), ("abc"):gsub("", "-"))
print("gsub captures", ("hello world"):gsub("(%w+)", "<%1>"), ("abc"):gsub("%w", "%0%0"), ("a.b"):gsub("%.", "%%"))
print("gsub table", ("$name is $age"):gsub("%$(%w+)", {name = "Bob", age = 42}))
print("gsub fn", ("1 2 3"):gsub("%d", function(d) return d * 2 end), ("a b"):gsub("%w", function() end))
print("gsub false", ("a b"):gsub("%w", {a = false}))
print("gsub err", R(pcall(string.gsub, "abc", "(", "x")), R(pcall(string.gsub, "abc", "%", "x")))
print("gsub err2", R(pcall(string.gsub, "abc", "a", "%2")), R(pcall(string.gsub, "abc", "a", {a = {}})))
print("pattern errs", R(pcall(string.find, "a", "[a")), R(pcall(string.find, "a", "%b")), R(pcall(string.match, "a", "%f")))
-- format
print("format", string.format("%5s|%-5s|%.2s", "ab", "ab", "abcdef"))
print("format ints", string.format("%d %+d % d %3d %-3d| %x %#x %o", 5, 5, 5, 5, 5, 255, 255, 8))
print("format floats", string.format("%f %.0f %10.3f %-10.2f| %e %.3e %g %G", 1.5, 2.5, math.pi, -1.25, 12345.678, 0.000123, 1e-5, 1e20))
print("format %a", string.format("%a", 1.0) == "0x1p+0")
print("format q", string.format("%q", 'a "quoted"\n\0 \\ \r\t'), string.format("%q", 1 / 3), string.format("%q", math.mininteger), string.format("%q", 10))
print("format q float", string.format("%q", 1.0), string.format("%q", 1e100), string.format("%q", 0 / 0), string.format("%q", 1 / 0))
print("format c", string.format("%c%c%c", 76, 117, 97), string.format("%%"))
print("format s conv", string.format("%s %s %s %s", 1, 1.0, true, nil), string.format("%10.4s|", "abcdefg"))
print("format i", string.format("%i", 42), string.format("%5.1f", 3))
print("format errs", R(pcall(string.format, "%d", "x")), R(pcall(string.format, "%y", 1)), R(pcall(string.format, "%", 1)))
print("format missing", R(pcall(string.format, "%d %d", 1)))
print("format tostring meta", string.format("%s", setmetatable({}, {__tostring = function() return "T!" end})))
-- tostring / tonumber / concat coercion
print("tostring", tostring(12), tostring(1.5), tostring(-0.0), tostring(true), tostring(nil), 1 .. 2, 1.0 .. "")
-- string methods through the string metatable and numbers
print("methods", ("x"):rep(3), ("%d"):format(7), R(pcall(function() return (5):rep(2) end)))
