-- io library: files, read formats, lines, seek, modes, errors, default files
local function try(f, ...) print(pcall(f, ...)) end
local function q(...)
  local t = table.pack(...)
  for i = 1, t.n do t[i] = type(t[i]) == "string" and string.format("%q", t[i]) or tostring(t[i]) end
  print(table.concat(t, " "))
end

local name = os.tmpname()
local f = assert(io.open(name, "w"))
print(io.type(f), io.type(io.stdout), io.type(42), io.type(nil))
print(f:write("line1\n", "line2\n", 42, " ", 3.5, " ", 1e100, " ", -0.0, "\n") == f)
f:write("0x1F 1e2 -7 .5 3. 0x.8p1 nan 12abc\n")
f:write("last line without newline")
print(f:close())
print(io.type(f), tostring(f))
try(f.write, f, "x")
try(f.read, f)
try(f.close, f)
try(f.lines, f)
print(pcall(f.seek, f))

f = assert(io.open(name, "r"))
q(f:read())
q(f:read("L"))
q(f:read("n", "n", "n"))
q(f:read("l"))
q(f:read("n", "n", "n", "n", "n", "n"))
q(f:read("n"))
q(f:read("l"))
q(f:read(4), f:read(0))
q(f:read("a"))
q(f:read("a"), f:read("l"), f:read(0), f:read(1), f:read("n"))
print(f:seek("set"), f:seek("cur", 3), f:seek("end"), f:seek("set", 6))
q(f:read("*l"), f:read("*n"))
try(f.read, f, "x")
try(f.read, f, {})
try(f.seek, f, "bad")
try(f.seek, f, "set", 1.5)
print(f:seek("set", -1))
f:close()

-- lines
local count = 0
for l in io.lines(name) do count = count + 1 end
print("lines", count)
for a, b in io.lines(name, 1, 2) do q(a, b) break end
for n1 in io.lines(name, "L") do q(n1) break end
local it = io.lines(name, "l")
q(it(), it())
while it() do end
try(it)
local fh = io.open(name)
local parts = {}
for l in fh:lines() do parts[#parts + 1] = #l end
print(table.concat(parts, ","), io.type(fh))
fh:close()
try(io.lines, "/nonexistent/file")
local it2 = io.open(name):lines("n")
q(it2())
do
  local r = {}
  for l in io.lines(name, "l", "n") do r[#r + 1] = tostring(l) end
  print(#r)
end

-- numerals
f = io.open(name, "w")
f:write("  42  -3.25e2 0x10 1e 0x 99999999999999999999 - +5 .e1 5")
f:close()
f = io.open(name)
q(f:read("n", "n", "n"))
q(f:read("n"))
q(f:read("a"))
f:close()
f = io.open(name, "w"); f:write("1e"); f:close()
f = io.open(name); q(f:read("n"), f:read("a")); f:close()
f = io.open(name, "w"); f:write("0x"); f:close()
f = io.open(name); q(f:read("n"), f:read("a")); f:close()
f = io.open(name, "w"); f:write("99999999999999999999 -"); f:close()
f = io.open(name); q(f:read("n"), f:read("n"), f:read("a")); f:close()
f = io.open(name, "w"); f:write(string.rep("1", 250)); f:close()
f = io.open(name); q(f:read("n"), #f:read("a")); f:close()

-- modes
for _, m in ipairs{"r", "w", "a", "r+", "w+", "a+", "rb", "wb", "r+b", "rw", "x", "", "rbx", "+r", "bb"} do
  local ok, err = pcall(io.open, name, m)
  if ok and err then err:close() end
  print(m, ok, ok and "" or err)
end
f = io.open(name, "w"); f:write("abc"); f:close()
f = io.open(name, "a"); f:write("def"); f:close()
f = io.open(name, "r+"); f:write("X"); f:close()
f = io.open(name); q(f:read("a")); f:close()
f = io.open(name, "w+"); f:write("hello"); f:seek("set"); q(f:read("a")); f:close()

-- errors as values
q(io.open("/nonexistent/dir/x"))
q(io.open("/nonexistent/dir/x", "w"))
local rf = io.open(name)
q(rf:write("x"))
rf:close()

-- setvbuf and flush
f = io.open(name, "w")
print(f:setvbuf("no"), f:setvbuf("full", 1024), f:setvbuf("line"))
try(f.setvbuf, f, "bogus")
print(f:flush())
f:close()

-- default files
print(io.output() == io.stdout, io.input() == io.stdin)
io.output(name)
io.write("via default ", 1, " ", 2.0, "\n")
print(io.output() ~= io.stdout)
io.close()
try(io.write, "x")
io.output(io.stdout)
io.input(name)
q(io.read("L"))
q(io.read("l"))
io.close(io.input())
try(io.read)
try(io.lines)
io.input(io.stdin)
try(io.input, "/nonexistent/file")
try(io.output, {})

-- standard files
q(io.stdout:close())
print(io.type(io.stdout), io.stderr ~= io.stdout)
print(tostring(io.stdout):match("^file %(0x%x+%)$") ~= nil)
local mt = getmetatable(io.stdout)
print(mt.__name, type(mt.__index), type(mt.__gc), type(mt.__close), type(mt.__tostring))
try(io.stdout.write)
try(io.stdout.write, 42)

-- popen and tmpfile
local p = io.popen("echo popen works; echo second")
q(p:read("l"), p:read("a"))
print(p:close())
p = io.popen("exit 5")
print(p:close())
local pw = io.popen("cat > /dev/null", "w")
print(pw:write("ignored") == pw, pw:close())
try(io.popen, "true", "rw")
local tf = io.tmpfile()
tf:write("temp data")
tf:seek("set")
q(tf:read("a"))
tf:close()

-- to-be-closed files
do
  local cf <close> = io.open(name)
  q(cf:read(3))
  f = cf
end
print(io.type(f))
print(os.remove(name))
