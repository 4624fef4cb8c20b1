-- io: long lines, big files, many formats, lines iterators and closing behaviour
local name = os.tmpname()
local f = assert(io.open(name, "wb"))
local long = string.rep("abcdefghij", 500)          -- 5000 bytes, spans buffers
f:write(long, "\n", "\n", "short\n", string.rep("x", 1023), "\n", string.rep("y", 1024), "\n", string.rep("z", 1025))
f:close()

f = io.open(name, "rb")
local l1 = f:read("l"); print(#l1, l1 == long)
print(f:read("L") == "\n")
print(f:read("l"))
print(#f:read("l"), #f:read("L"), #f:read("l"), f:read("l"), f:read("L"))
f:seek("set", 0)
local all = f:read("a")
print(#all, f:read("a") == "", f:read("l"))
f:seek("set", 4990)
print(f:read(20) == "abcdefghij\n\nshort\n")
f:seek("set", 0)
local a, b, c = f:read(1, 0, 3)
print(a, b, c)
print(f:read(0) == "")
f:seek("end")
print(f:read(0), f:read(1), f:read("a") == "")
f:close()

-- lines with multiple formats per step
local lens = {}
for a2, b2 in io.lines(name, 3, "l") do lens[#lens + 1] = #a2 .. "/" .. tostring(b2 and #b2) end
print(table.concat(lens, " "))

-- counting lines, with the iterator closing the file at the end
local n = 0
for _ in io.lines(name) do n = n + 1 end
print("lines:", n)

-- "L" keeps newlines: concatenation rebuilds the file
local parts = {}
for l in io.lines(name, "L") do parts[#parts + 1] = l end
print(table.concat(parts) == all)

-- numbers across lines
f = io.open(name, "w")
f:write("1 2 3\n4.5\n-6e1\n0x7\n  \n  8  \n")
f:close()
local nums = {}
for v in io.lines(name, "n") do nums[#nums + 1] = v end
print(table.concat(nums, ","), #nums)
f = io.open(name)
print(f:read("n", "n", "n", "n", "n", "n", "n", "n", "n"))
f:close()

-- breaking out of a generic for closes the file (to-be-closed 4th value)
local fh
for l, _ in io.lines(name) do fh = l break end
print(fh)

-- the file handle returned as 4th value
local it, s, ctl, file = io.lines(name)
print(type(it), s, ctl, io.type(file))
file:close()
print(pcall(it))

-- write returns the file, allowing chains; errors in write arguments
f = io.open(name, "w")
print(f:write("a"):write("b"):write(1, 2.5) == f)
print(pcall(f.write, f, {}))
print(pcall(f.write, f, nil))
f:close()
f = io.open(name); print(f:read("a")); f:close()

-- append mode and seek from end
f = io.open(name, "a+")
f:write("Z")
f:seek("set")
print(f:read("a"))
print(f:seek("end", -2), f:read(1))
f:close()

-- io.read/io.write through redirected defaults
io.output(name)
io.write("one\n", "two\n", 3, "\n")
io.output():close()
io.output(io.stdout)
io.input(name)
print(io.read("l", "l", "n"))
print(io.read("l"), io.read("l"))
io.input():close()
io.input(io.stdin)
print((pcall(io.lines, name, {})))
os.remove(name)
