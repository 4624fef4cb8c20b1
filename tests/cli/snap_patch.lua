-- snap_patch.lua: reads and changes the header of a jolt snapshot (runtime/snap.h), so that
-- tests can make every kind of bad snapshot. Run by lua5.4:
--
--   snap_patch.lua FILE show                  every header field, "name value" per line
--   snap_patch.lua FILE get NAME              one field's value
--   snap_patch.lua FILE sections              "index kind name offset size" per section
--   snap_patch.lua FILE set [--nocrc] [--out OUT] EDIT...
--                                             change fields, then recompute header_crc (not
--                                             with --nocrc); EDIT is NAME=VALUE, NAME+=N (wraps
--                                             at the field's width) or NAME^=N (xor)
--   snap_patch.lua FILE flip [--out OUT] OFFSET XOR
--                                             xor the byte at OFFSET (any byte of the file)
--
-- set and flip change FILE in place, or write the changed copy to OUT and leave FILE alone.
--   snap_patch.lua FILE checkcrc              exit 0 if header_crc matches the header page
--
-- NAME: magic format header_size build_id bcid records cpu_have cpu_need created seeders
-- nsections samples program_hash program flags header_crc, or sN.kind sN.flags sN.offset
-- sN.size sN.crc sN.count for section table entry N (0..15). Integers are decimal or 0x hex;
-- magic and program take text (NUL-padded), build_id 32 hex digits. The CRC-32 is zlib's
-- (reflected polynomial 0xEDB88320), computed here so that the test does not trust jolt's.

local PAGE = 4096
local SECT0, SECTSIZE, MAXSECT = 224, 32, 16

-- Header layout: name -> byte offset, kind ("u4", "u8", "text", "hex") and size.
local fields = {
  magic = {0, "text", 8}, format = {8, "u4"}, header_size = {12, "u4"},
  build_id = {16, "hex", 16}, bcid = {32, "u4"}, records = {36, "u4"},
  cpu_have = {40, "u8"}, cpu_need = {48, "u8"}, created = {56, "u8"}, seeders = {64, "u4"},
  nsections = {68, "u4"}, samples = {72, "u8"}, program_hash = {80, "u8"},
  program = {88, "text", 128}, flags = {216, "u4"}, header_crc = {220, "u4"},
}
local order = {"magic", "format", "header_size", "build_id", "bcid", "records", "cpu_have",
  "cpu_need", "created", "seeders", "nsections", "samples", "program_hash", "program", "flags",
  "header_crc"}
local sectfields = {kind = {0, "u4"}, flags = {4, "u4"}, offset = {8, "u8"}, size = {16, "u8"},
  crc = {24, "u4"}, count = {28, "u4"}}
local sectorder = {"kind", "flags", "offset", "size", "crc", "count"}
local kindnames = {"strings", "shapes", "funcs", "sites", "code", "codemeta", "consts", "exits",
  "entries", "imports"}

local function die(msg)
  io.stderr:write("snap_patch.lua: ", msg, "\n")
  os.exit(2)
end

-- The table-driven CRC-32: one table of the 256 byte remainders, then a byte at a time.
local crctable = {}
for i = 0, 255 do
  local c = i
  for _ = 1, 8 do
    c = (c & 1) ~= 0 and (0xEDB88320 ~ (c >> 1)) or (c >> 1)
  end
  crctable[i] = c
end

local function crc32(s)
  local c = 0xFFFFFFFF
  for i = 1, #s do
    c = crctable[(c ~ s:byte(i)) & 0xFF] ~ (c >> 8)
  end
  return c ~ 0xFFFFFFFF
end

local function readfile(path)
  local f = io.open(path, "rb") or die("cannot open " .. path)
  local data = f:read("a")
  f:close()
  return data
end

local function writefile(path, data)
  local f = io.open(path, "wb") or die("cannot write " .. path)
  f:write(data)
  f:close()
end

-- Where a field is: offset, kind, size; nil for an unknown name.
local function locate(name)
  local fd = fields[name]
  if fd then
    return fd[1], fd[2], fd[3] or (fd[2] == "u8" and 8 or 4)
  end
  local n, f = name:match("^s(%d+)%.(%a+)$")
  local sd = f and sectfields[f]
  if not sd or tonumber(n) >= MAXSECT then
    return nil
  end
  return SECT0 + tonumber(n) * SECTSIZE + sd[1], sd[2], sd[2] == "u8" and 8 or 4
end

local function getint(data, off, size)
  return (string.unpack(size == 8 and "<i8" or "<I4", data, off + 1))
end

local function putbytes(data, off, bytes)
  return data:sub(1, off) .. bytes .. data:sub(off + #bytes + 1)
end

local function putint(data, off, size, v)
  if size == 4 then
    return putbytes(data, off, string.pack("<I4", v & 0xFFFFFFFF))
  end
  return putbytes(data, off, string.pack("<i8", v))
end

-- An unsigned 64-bit value as text: decimal when it fits a signed integer, else hex.
local function showint(v)
  return v < 0 and string.format("0x%x", v) or tostring(v)
end

local function getfield(data, name)
  local off, kind, size = locate(name)
  if not off then die("unknown field " .. name) end
  if kind == "text" then
    return (data:sub(off + 1, off + size):gsub("%z+$", ""))
  elseif kind == "hex" then
    return (data:sub(off + 1, off + size):gsub(".", function(c) return string.format("%02x", c:byte()) end))
  end
  return showint(getint(data, off, size))
end

local function parseint(text)
  local v = math.tointeger(tonumber(text))
  if not v then die("not an integer: " .. text) end
  return v
end

-- Apply one EDIT to the header bytes.
local function edit(data, spec)
  local name, op, value = spec:match("^([%w_.]+)([+^]?)=(.*)$")
  if not name then die("bad edit '" .. spec .. "' (NAME=VALUE, NAME+=N, NAME^=N)") end
  local off, kind, size = locate(name)
  if not off then die("unknown field " .. name) end
  if kind == "text" then
    if op ~= "" or #value > size then die("bad text edit " .. spec) end
    return putbytes(data, off, value .. string.rep("\0", size - #value))
  elseif kind == "hex" then
    if op ~= "" or not value:match("^" .. string.rep("%x", 2 * size) .. "$") then
      die("build_id takes " .. 2 * size .. " hex digits")
    end
    return putbytes(data, off, (value:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end)))
  end
  local v, old = parseint(value), getint(data, off, size)
  if op == "+" then v = old + v elseif op == "^" then v = old ~ v end
  return putint(data, off, size, v)
end

local function headercrc(data)
  local page = data:sub(1, PAGE)
  if #page < PAGE then die("the file is shorter than the header page") end
  return crc32(page:sub(1, 220) .. "\0\0\0\0" .. page:sub(225))
end

local path, cmd = arg[1], arg[2]
if not path or not cmd then die("usage: snap_patch.lua FILE show|get|sections|set|flip|checkcrc ...") end
local data = readfile(path)
-- The operands after the command, less "--out OUT" (where set and flip write).
local out, args = path, {}
do
  local i = 3
  while arg[i] do
    if arg[i] == "--out" then
      out = arg[i + 1] or die("--out needs a file")
      i = i + 2
    else
      args[#args + 1] = arg[i]
      i = i + 1
    end
  end
end

if cmd == "show" then
  for _, name in ipairs(order) do print(name, getfield(data, name)) end
  for i = 0, math.min(getint(data, 68, 4), MAXSECT) - 1 do
    for _, f in ipairs(sectorder) do
      local name = "s" .. i .. "." .. f
      print(name, getfield(data, name))
    end
  end
elseif cmd == "get" then
  print(getfield(data, args[1] or die("get NAME")))
elseif cmd == "sections" then
  for i = 0, math.min(getint(data, 68, 4), MAXSECT) - 1 do
    local base = SECT0 + i * SECTSIZE
    local kind = getint(data, base, 4)
    print(i, kind, kindnames[kind] or "?", getint(data, base + 8, 8), getint(data, base + 16, 8))
  end
elseif cmd == "set" then
  local fixcrc, n = true, 0
  for _, a in ipairs(args) do
    if a == "--nocrc" then
      fixcrc = false
    else
      data = edit(data, a)
      n = n + 1
    end
  end
  if n == 0 then die("set: no EDIT given") end
  if fixcrc then data = putint(data, 220, 4, headercrc(data)) end
  writefile(out, data)
elseif cmd == "flip" then
  local off, x = parseint(args[1] or die("flip OFFSET XOR")), parseint(args[2] or die("flip OFFSET XOR"))
  if off < 0 or off >= #data or x & 0xFF == 0 then die("flip: offset past the file or a zero xor") end
  writefile(out, putbytes(data, off, string.char(data:byte(off + 1) ~ (x & 0xFF))))
elseif cmd == "checkcrc" then
  os.exit(headercrc(data) == getint(data, 220, 4) and 0 or 1)
else
  die("unknown command " .. cmd)
end
