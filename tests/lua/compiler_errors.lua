-- compiler_errors.lua: syntax and semantic error messages of the compiler (compiler test)
local cases = {
  'x = "abc', 'x = "abc\ndef"', 'x = "a\\qb"', "x = 3x", "x = [==[ abc", "--[[ abc", "--[==[ x ]=]",
  'x = "\\300"', 'x = "\\xZZ"', 'x = "\\x5"', 'x = "\\u{110000000}"', 'x = "\\u123"',
  'x = "\\u{12"', 'x = "\\u{}"', "x = [=x", "x ~ = 1", "local x <foo> = 1", "goto foo",
  "break", "local x <const> = 1; x = 2", "do goto l; local a; ::l:: print(a) end",
  "::a:: ::a::", "::a:: do ::a:: end", "x = @", "x = \1", 'x = "ab" y', "x = 1 ..", "f(",
  "function f() return 1", "function f()\n\n return 1", "for x do end", "x = }",
  "local function", "a.b:c = 1", "x = 0x", "x = 1e", "x = 3..4", "x = 0x1p", "x = .5e",
  "x=1 x=", "return return", "return 1 2", "local a <close>, b <close> = 1, 2",
  "function f() x = ... end", "(a) = 1", "a() = 1", "a, b() = 1", "x = function(a, 1) end",
  "if x then else elseif y then end", "x = 1 )", "x = {1, 2", "x = {1, 2\n\n",
  "local function f() local y <const> = 2; return function() y = 3 end end",
  "while true do", "while true do\n  x = 1\n", "repeat x = 1", "repeat\n x = 1\n until",
  "if x then", "if x\nthen\n", "for i = 1 do end", "for i = 1, 2 x end", "for a, b = 1, 2 do end",
  "for i in x", "local t <const> = {}; t = 1", "local 1 = 2", "x = 1 + + 2", "x.y.z",
  "x:y", "x = #", "::1::", "goto 1", "local x <const", "return ... ", "function f(...) return ... end x = ...",
  "local a = {} a.b.c:d.e = 1", "f() = 1", "x = (1)(2) = 3", "x = y z", "x = 'a' 'b'",
  "do local x = 1 goto done local y = 2 ::done:: end",
  "repeat goto cont; local k = 1 ::cont:: until k",
  "for i = 1, 3 do goto next end ::next::",
  "x = '\\z\n\n   abc", "x = 1\n\n\n y = = 2", "-- comment only", "#!shebang",
  "x = 12345678901234567890123", "x = 0x", "x = 1..2", "x = 1.2.3", "x = 08", "x = 1e+",
  "local x = 1; local function x() end; x = 2", "local a <const> = 1; local function f() a = 2 end",
  "return function() local x <close> = 1; return x end", "and", "x = not", "local x = {[1] 2}",
  "x = {a = }", "a.b = ", "function a:b:c() end", "function a.b.c.d:e() end return 1",
  "x = 'unterminated\\", "x = [[ ]]]", "x = [==[ ]=] ]==]",
}
for i, src in ipairs(cases) do
  local f, err = load(src, "=c" .. i)
  print(i, f and "ok" or err)
end
-- long chunk names and string chunk names
print(select(2, load("x = ", "@some/file/name.lua")))
print(select(2, load("x = ", "a very long chunk text that goes beyond the limit of what a chunk id can hold")))
print(select(2, load("x = \n y", "two\nlines")))
print(select(2, load("x = ")))
-- limits
local many = {}
for i = 1, 201 do many[i] = "v" .. i end
print(select(2, load("local " .. table.concat(many, ", "))))
print(select(2, load("local x = 1 return function() local " .. table.concat(many, ", ") .. " end")))
local ups = {"local x0 = 0"}
for i = 1, 255 do ups[#ups + 1] = "local u" .. i .. " = " .. i end
local body = {}
for i = 1, 255 do body[#body + 1] = "u" .. i end
-- 255 locals in one function is over the local limit already; split them over two levels
local src = "local a = {}\n"
for i = 1, 150 do src = src .. "local a" .. i .. " = " .. i .. "\n" end
src = src .. "return function()\n"
for i = 151, 260 do src = src .. "local a" .. i .. " = " .. i .. "\n" end
src = src .. "return function() return 0"
for i = 1, 260 do src = src .. " + a" .. i end
src = src .. " end end"
print(select(2, load(src)))
print(select(2, load("return " .. string.rep("(", 300) .. "1" .. string.rep(")", 300))) ~= nil)
local okdeep = load("return " .. string.rep("(", 100) .. "1" .. string.rep(")", 100))
print(okdeep and okdeep())
local bigexpr = "return " .. string.rep("1 + ", 300) .. "1"
print(load(bigexpr)())
local concat = "return " .. string.rep("'a' .. ", 150) .. "'a'"
print(#load(concat)())
