-- conformance: os.date every conversion (UTC, before and after the epoch), os.time/difftime/setlocale/execute corners
local function try(...) print(pcall(...)) end
-- os.date every conversion, local and utc
local convs = "aAbBcCdDeFgGhHIjmMnprRStTuUVwWxXyYzZ%"
for c in convs:gmatch(".") do
  io.write(c, "=", os.date("!%" .. c, 1e9), "|", os.date("!%" .. c, -1e9), "|", os.date("!%" .. c, 0), "\n")
end
print(os.date("!%Y", 2^40), pcall(os.date, "!%Y", 2^60))
try(os.date, "*t", 2^62)
try(os.date, "!%Y", math.mininteger)
print(os.date("!*t", 0).isdst, os.date("*t").isdst ~= nil)
print(os.time{year=1970, month=1, day=1, hour=0, isdst=false})
try(os.time, {year=2^40, month=1, day=1})
try(os.time, {year=-2^31, month=1, day=1})
print(os.difftime(2^53, 0), pcall(os.difftime, -1), pcall(os.difftime))
try(os.difftime, "10", "4")
try(os.difftime, {}, 1)
print(os.setlocale("", "all") ~= nil, os.setlocale("C", "all"))
try(os.setlocale, 1)
try(os.setlocale, "C", "collate")
try(os.setlocale, "C", "ctype")
try(os.setlocale, "C", "monetary")
try(os.setlocale, {}, "monetary")
print(os.execute("exit 255"))
print(os.execute("kill -15 $$"))
try(os.execute, {})
print(os.getenv("HOME") ~= nil)
try(os.exit, "x")
try(os.remove, "/nonexistent/dir/x")
print(os.rename("/nonexistent/a", "/nonexistent/b"))
do local n = os.tmpname(1); print(type(n), n:match("^/tmp/lua_") ~= nil); os.remove(n) end
print(os.clock() < 100)
