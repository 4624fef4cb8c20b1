-- base library: type, tostring, tonumber, select, rawxxx, metatables, next/pairs/ipairs
print(type(nil), type(true), type(1), type(1.5), type("s"), type({}), type(print), type(coroutine.create(print)))
print(pcall(type))
print(tostring(nil), tostring(false), tostring(true), tostring(0), tostring(-0.0), tostring(1e100), tostring(1/0), tostring(-1/0))
print(tostring(3.0), tostring(-3.5), tostring(2^53), tostring(math.mininteger), tostring(0x7fffffffffffffff))
print(tostring("abc"), #tostring(print) > 0, tostring(print):match("^builtin") or tostring(print):match("^function"))
print(tostring(setmetatable({}, {__tostring = function() return "OBJ" end})))
print(tostring(setmetatable({}, {__name = "MyType"})):match("^MyType: ") ~= nil)
print(pcall(tostring, setmetatable({}, {__tostring = function() return nil end})))
print(tostring(setmetatable({}, {__tostring = function() return 42 end})))
-- tonumber
print(tonumber("10"), tonumber("  0x1F  "), tonumber("1e2"), tonumber(".5"), tonumber("5."), tonumber("0x.8"))
print(tonumber(""), tonumber(" "), tonumber("1 2"), tonumber("abc"), tonumber("1e"), tonumber(nil))
print(tonumber("ff", 16), tonumber("FF", 16), tonumber("777", 8), tonumber("11", 2), tonumber("z", 36), tonumber("Z", 36))
print(tonumber("8", 8), tonumber("1.5", 10), tonumber(" -ff ", 16), tonumber("+10", 10), tonumber("", 10), tonumber("-", 10))
print(tonumber("9223372036854775807"), tonumber("9223372036854775808"), tonumber("-9223372036854775808"))
print(tonumber("0x7fffffffffffffff"), tonumber("0xffffffffffffffff"), tonumber("1" .. string.rep("0", 30), 10))
print(tonumber(12), tonumber(1.25), tonumber("1\0"))
print(pcall(tonumber, "10", 1), pcall(tonumber, "10", 37))
print(pcall(tonumber, 10, 16))
print(pcall(tonumber))
print(tonumber("inf"), tonumber("nan"), tonumber("  -0x10  "), tonumber("1e+3"), tonumber("0X1P-1"))
-- select
print(select("#"), select("#", nil, nil), select(2, "a", "b", "c"), select(-2, "a", "b", "c"))
print(pcall(select, 0, 1), pcall(select, -4, 1, 2, 3))
print(select(5, 1, 2), select(3, 1, 2))
print(pcall(select, "x"))
print(pcall(select, 1.5))
-- raw functions
local mt = {__index = function() return "idx" end, __newindex = function() error("no") end,
            __len = function() return 99 end, __eq = function() return true end}
local t = setmetatable({}, mt)
print(t.x, rawget(t, "x"), #t, rawlen(t), rawlen("abcd"))
rawset(t, "x", 5)
print(t.x, rawget(t, "x"))
print(rawequal(t, t), rawequal(t, setmetatable({}, mt)), t == setmetatable({}, mt))
print(rawequal(1, 1.0), rawequal("a", "a"), rawequal({}, {}))
print(pcall(rawget, 1, 2))
print(pcall(rawget, {}))
print(pcall(rawset, {}, 1))
print(pcall(rawequal, 1))
print(pcall(rawlen, 5))
print(pcall(rawset, {}, 0/0, 1))
print(select("#", rawset({}, 1, 2)))
-- metatables
local p = setmetatable({}, {__metatable = "locked"})
print(getmetatable(p), pcall(setmetatable, p, {}))
print(getmetatable("abc").__index == string, getmetatable(1), getmetatable(nil))
print(pcall(setmetatable, {}, 1))
print(pcall(setmetatable, {}))
print(pcall(getmetatable))
local plain = {}
print(setmetatable(plain, nil) == plain, getmetatable(plain))
-- next / pairs / ipairs
local arr = {10, 20, 30, nil, 50}
local n = 0
for i, v in ipairs(arr) do n = n + i * v end
print(n)
local keys = {}
for k, v in pairs({a = 1, b = 2, c = 3, 1, 2}) do keys[#keys + 1] = tostring(k) .. "=" .. tostring(v) end
table.sort(keys)
print(table.concat(keys, " "))
print(next({}), next({5}), next({5}, 1))
print(pcall(next, {}, {}))
print(pcall(next))
print(pcall(ipairs))
local proxy = setmetatable({}, {__pairs = function(t) return function(_, k) if not k then return 1, "one" end end, t, nil end})
for k, v in pairs(proxy) do print("pairs mm", k, v) end
local idx = setmetatable({}, {__index = function(_, i) if i <= 3 then return i * 10 end end})
for i, v in ipairs(idx) do io.write(i, "=", v, " ") end print()
print(pcall(function() for k in pairs(nil) do end end))
print(select("#", pcall(ipairs, nil)))
-- _G and _VERSION
print(_G._G == _G, _VERSION, _G.print == print)
-- print with many types
print(1, 1.0, -0.0, "x", nil, false, 2^63, -2^63, 1e15, 1e16, 123456789012)
print()
print(nil)
-- assert
print(assert(1, "m", 3))
print(pcall(assert, false, "custom"))
print(pcall(assert, nil))
print(type(select(2, pcall(assert, false, {1}))))
print(select("#", assert(true)))
