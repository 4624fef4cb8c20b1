-- os library: date/time conversions, errors, files, environment
local function try(f, ...) print(pcall(f, ...)) end

print(os.date("!%Y-%m-%d %H:%M:%S", 0))
print(os.date("!%Y-%m-%d %H:%M:%S", 1700000000))
print(os.date("!%c", 86400 * 365))
print(os.date("!%x %X %p %j %U %W %w %a %A %b %B %y %C %e %D %F %R %T %G %g %V %u %h %n|%t|%%", 1234567890))
print(os.date("!%Ec|%EC|%Ex|%EX|%Ey|%EY|%Od|%Oe|%OH|%OI|%Om|%OM|%OS|%Ou|%OU|%OV|%Ow|%OW|%Oy", 1234567890))
print(os.date("!plain text", 0), os.date("!", 0) == "")
print(#os.date("!%z", 0) > 0, #os.date("!%Z", 0) > 0)
local t = os.date("!*t", 1234567890)
print(t.year, t.month, t.day, t.hour, t.min, t.sec, t.wday, t.yday, t.isdst)
local keys = {}
for k in pairs(t) do keys[#keys + 1] = k end
table.sort(keys)
print(table.concat(keys, " "))
try(os.date, "%Ez")
try(os.date, "%Ez abc")
try(os.date, "%")
try(os.date, "%5d")
try(os.date, "%Q")
try(os.date, "%O")
try(os.date, "*t", 1.5)
try(os.date, "%Y", "x")
print(type(os.date()), type(os.date("%c")), math.type(os.time()))

-- os.time with a table, defaults and normalization
local base = os.time({year = 2000, month = 1, day = 1, hour = 0})
print(os.time({year = 2000, month = 1, day = 2, hour = 0}) - base)
print(os.time({year = 2000, month = 1, day = 1}) - base)   -- hour defaults to 12
print(os.time({year = 2000, month = 1, day = 1, hour = 0, min = 90, sec = 30}) - base)
local n = {year = 2020, month = 14, day = 35, hour = 0}
os.time(n)
print(n.year, n.month, n.day, n.hour, n.min, n.sec, n.yday, n.wday)
local r = {year = 2024, month = 3, day = 0, hour = 12}
os.time(r)
print(r.year, r.month, r.day)
local rt = os.date("*t", os.time({year = 2015, month = 6, day = 15, hour = 8, min = 30, sec = 5}))
print(rt.year, rt.month, rt.day, rt.hour, rt.min, rt.sec)
try(os.time, {year = 2000})
try(os.time, {year = 2000, month = 1})
try(os.time, {month = 1, day = 1})
try(os.time, {year = 2000, month = 1, day = 1, hour = "x"})
try(os.time, {year = 2000, month = 1, day = 1.5})
try(os.time, {year = 2000, month = 1, day = 2^40})
try(os.time, {year = "2000", month = "1", day = "1", hour = "0"})
try(os.time, 42)
print(os.difftime(10, 4), os.difftime(0, 0), math.type(os.difftime(1, 0)))
try(os.difftime, 1)
try(os.difftime, 1.5, 1)

print(math.type(os.clock()), os.clock() >= 0)
print(os.getenv("JOLT_SURELY_UNSET_VARIABLE"), type(os.getenv("PATH")))
try(os.getenv)

-- files
local name = os.tmpname()
print(type(name))
local f = io.open(name, "w"); f:write("data"); f:close()
local name2 = name .. ".renamed"
print(os.rename(name, name2))
print(io.open(name) == nil)
print(os.remove(name2))
print(os.remove(name2) == nil, select(3, os.remove(name2)))
local _, msg = os.remove(name2)
print(msg == name2 .. ": No such file or directory")
print(os.rename(name2, name))

-- execute
print(os.execute())
print(os.execute("exit 0"))
print(os.execute("exit 3"))
print(os.execute("kill -9 $$"))

print(os.setlocale(), os.setlocale("C"), os.setlocale(nil, "numeric"), os.setlocale("C", "time"))
print(os.setlocale("no_such_locale"))
try(os.setlocale, nil, "bogus")
