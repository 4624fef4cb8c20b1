-- patterns through find and match: classes, sets, anchors, quantifiers, captures, %b, %f,
-- back references, init positions, plain find, and the matcher's errors
local function show(v)
  if type(v) ~= "string" then return tostring(v) end
  return (v:gsub("[%z\1-\31\127-\255]", function(c) return ("\\%d"):format(c:byte()) end))
end
local function out(...)
  local r = table.pack(...)
  for i = 1, r.n do r[i] = show(r[i]) end
  print(table.concat(r, "\t", 1, r.n))
end
local function F(...) out(pcall(string.find, ...)) end
local function M(...) out(pcall(string.match, ...)) end

-- plain and special-free finds
F("hello world", "o w")
F("hello world", "o", 6)
F("hello world", "xyz")
F("a.b", ".", 1, true)
F("a+b", "+b")
F("a)b", ")")
F("a]b", "]")
F("abc", "")
F("abc", "", 3)
F("abc", "", 4)
F("abc", "", 5)
F("abc", "", -1)
F("abc", "b", -100)
F("abc", "c", 100)
F("a\0b\0c", "\0c")
F("a\0b", "b", 1, 1)
F("aaa", "aa", 2)
F(123123, 23)

-- character classes and their complements
local subject = "Hi! 42 is_the\tAnswer,\0 x\127y"
for _, c in ipairs({"a", "c", "d", "g", "l", "p", "s", "u", "w", "x", "z"}) do
  local pos = {}
  for i = 1, #subject do
    if subject:find("^%" .. c, i) then pos[#pos + 1] = i end
  end
  local neg = 0
  for i = 1, #subject do
    if subject:find("^%" .. c:upper(), i) then neg = neg + 1 end
  end
  print("%" .. c, table.concat(pos, ","), neg)
end
M("a.b%c", "%.")
M("a.b%c", "%%")
M("hello", "%u")
M("Hello", "%u%l+")
M("a.b,c;d", "%p+")
M("ff00AAzz", "%x+")
M(" \t\n x", "%s+")
M("abc", "%z")

-- sets
M("b-z", "[%a-z]+")
M("a-5", "[a-%d]+")
M("-a-", "[-a]+")
M("a-", "[a-]+")
M("a]b", "[]]")
M("a]b", "[^]]+")
M("a^b", "[b^]+")
M("^", "[%^]")
M("abc", "[^a]+")
M("abc", "[^%a]")
M("a-b", "[%-]")
M("Hello World", "[A-Z][a-z]+", 2)
M("x7y", "[%d%s]")
M("\200\255", "[\128-\255]+")
M("a1_b", "[%w_]+")
M("abc", "[c-a]")
M("hello", "[aeiou]")
M("HELLO", "[^A-Z]")

-- anchors
M("abc", "^a")
M("abc", "^b")
M("abc", "c$")
M("abc", "b$")
M("abc$", "c%$")
M("a$b", "$b")
M("a^b", "a^b")
M("", "^$")
M("", "$")
M("x", "^$")
F("abc", "^", 2)
F("abc", "^b", 2)
F("abc", "^a", 2)
F("aaa", "^a", -1)

-- quantifiers
M("aaab", "a*")
M("aaab", "a+")
M("aaab", "a-b")
M("aaa", "a-")
M("aaa", "a-$")
M("b", "a*b")
M("b", "a+b")
M("ab", "a?b")
M("b", "a?b")
M("aaab", "a?a?a?a?b")
M("hello world", ".-o")
M("hello world", ".*o")
M("<a><b>", "<.->")
M("<a><b>", "<.*>")
M("  trim me  ", "^%s*(.-)%s*$")
M("key = value", "(%w+)%s*=%s*(%w+)")
M("2024-01-15", "(%d+)-(%d+)-(%d+)")
M("a+", "a+%+")
M("x**", "x%*+")

-- captures
M("hello", "(h)(e)(l)(l)(o)")
M("hello", "(h)(.-)(o)")
M("hello", "()ll()")
M("hello", "()")
M("", "()")
M("hello", "(l)()")
M("abc", "^(a)(b)?")
M("abc", "((a)(b))")
M("abc", "(a(b(c)))")
F("hello", "(l)(l)")
F("hello", "()ll()")
M("x=1, y=22", "y=(%d+)")
M("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ("(a)"):rep(32))

-- back references
M("hello hello", "(h%a+) %1")
M("hello hellx", "(h%a+) %1")
M("abab", "(ab)%1")
M("abab", "((a)b)%2")
M('say "hi" and \'bye\'', "([\"'])(.-)%1")
M("xaax", "(a*)%1")
M("aa", "()%1")

-- %b
M("f(a(b)c)d", "%b()")
M("((a)", "%b()")
M("a(b", "%b()")
M("[[x]]", "%b[]")
M("if x then y end end", "%bie")
M("<<>>", "%b<>")
M("xyz", "%bxz")
M("x", "%bxx")

-- %f
M("THE (quick) fox", "%f[%a]%a+")
M("THE (quick) fox", "%f[%a]%a+", 2)
M("xyz", "%f[%w]%w+$")
M("xyz", "%w+%f[%W]")
F("xyz", "%f[%z]")
F("hello world from lua", "%f[%w]%w+", 7)
local words = {}
for i = 1, 30 do
  local s, e = ("the cat sat on the mat"):find("%f[%w]%w+", i)
  if s then words[#words + 1] = s .. "-" .. e end
end
print(table.concat(words, " "))

-- init positions with match
M("hello", "l", -2)
M("hello", "h", 0)
M("hello", ".*", 100)
M("hello", ".*", 6)
M("hello", ".*", -100)

-- errors
for _, p in ipairs({"%", "x%", "[a", "[", "[]", "[^]", "[%", "[%a", "[a%]", "%b", "%bx", "%f",
                    "%fa", "%f(", "%1", "(a)%2", "(a%1)", "%0", "(a", "(()", "a)", "())", "((a)"}) do
  F("abc", p)
end
M(("a"):rep(300), ("a?"):rep(300) .. ("a"):rep(300))
print(#string.match(("a"):rep(199), ("a?"):rep(199) .. "$"))
M(("a"):rep(200), ("a?"):rep(200) .. "$")
M("x", ("(a)"):rep(33))
M(("a"):rep(33), ("(a)"):rep(33))
M(("a"):rep(3000), ".-b")
M(("a"):rep(3000), "a*b")
print(#string.match(("a"):rep(100000), "(.-)$"))
F()
F("x")
F("x", {})
F("x", "x", "y")
M()
M("x", nil)
