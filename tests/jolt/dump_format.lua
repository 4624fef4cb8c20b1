-- jolt's binary chunk format (runtime/dump.h, docs/bytecode-format.md): its header, and the
-- loader's checks of corrupted chunks. Opcode numbers below follow bc.h's BC_LIST order.
local OP = {RETURN0 = 66, ADD = 19, FORLOOP = 69, LOADK = 2, LOADFALSE = 5, GETFIELD = 13, NEWTABLE = 17, JMP = 51, EQ = 52,
            CALL = 63, RETURN = 65, RETURN1 = 67, CLOSURE = 74}

local function hex(s) return (s:gsub(".", function(c) return ("%02x "):format(c:byte()) end)) end

local d = string.dump(function(a) return a end, true)
print("header", hex(d:sub(1, 15)))
print("stripped flag", d:byte(36), string.dump(function(a) return a end):byte(36))

-- a chunk of lua5.4 (string.dump(function() end, true) of Debian's 5.4.4) is refused
local puc = "\27Lua\x54\0\x19\x93\r\n\x1a\n\4\8\8\x78\x56\0\0\0\0\0\0\0\0\0\0\0\x28\x77\x40" ..
            "\0\x80\x80\x80\0\1\1\x81\x46\0\1\1\x80\x80\x80\x80\x80"
print(load(puc))

local function patch(s, pos, bytes) return s:sub(1, pos - 1) .. bytes .. s:sub(pos + #bytes) end
-- header fields, each corrupted
print(load(patch(d, 7, "\0"), "=hdr"))
print(load(patch(d, 13, "\8"), "=hdr"))
print(load(patch(d, 14, "\4"), "=hdr"))
print(load(patch(d, 15, "\4"), "=hdr"))
print(load(patch(d, 16, "\0"), "=hdr"))
print(load(patch(d, 31, "\0"), "=hdr"))
print(load(patch(d, 32, "\0\0\0\0"), "=hdr"))
print(load(patch(d, 36, "\2"), "=hdr"))

-- The proto after the 36-byte header: source, linedefined, lastlinedefined (varints),
-- numparams, is_vararg, maxstack (bytes), ncode (varint), code (4 bytes each).
local function varint(s, pos)
  local v, shift = 0, 0
  repeat
    local b = s:byte(pos)
    v = v | ((b & 0x7f) << shift)
    shift = shift + 7
    pos = pos + 1
  until b < 0x80
  return v, pos
end
local function codeat(s)
  local pos = 37
  local _
  _, pos = varint(s, pos)
  _, pos = varint(s, pos)
  _, pos = varint(s, pos)
  pos = pos + 3
  local ncode
  ncode, pos = varint(s, pos)
  return pos, ncode
end
local function instr(s, pc)
  local pos = codeat(s)
  return string.unpack("<I4", s, pos + 4 * pc)
end
local function setinstr(s, pc, i)
  local pos = codeat(s)
  return patch(s, pos + 4 * pc, string.pack("<I4", i))
end
local function find(s, op)
  local _, n = codeat(s)
  for pc = 0, n - 1 do
    if instr(s, pc) & 0xff == op then return pc end
  end
end
local function mk(op, a, b, c) return op | a << 8 | b << 16 | c << 24 end
local function try(what, s)
  local f, err = load(s, "=bad")
  print(what, f and "loaded" or err)
  return f
end

-- operands out of range, found by the opcode they belong to
local ret1 = function(a) return a end
local s = string.dump(ret1, true)
local pc = find(s, OP.RETURN1)
try("register", setinstr(s, pc, mk(OP.RETURN1, 200, 0, 0)))
try("opcode", setinstr(s, pc, 250))
try("falls off", setinstr(s, select(2, codeat(s)) - 1, mk(OP.LOADFALSE, 0, 0, 0)))
try("jump", setinstr(s, pc, OP.JMP | ((1000 + (1 << 23) - 1) << 8)))
try("test+jmp", setinstr(s, pc, mk(OP.EQ, 0, 0, 0)))
local kf = function() return "k", 1 end
s = string.dump(kf, true)
try("constant", setinstr(s, find(s, OP.LOADK), OP.LOADK | 0 << 8 | 77 << 16))
local gf = function(t) return t.x end
s = string.dump(gf, true)
local i = instr(s, find(s, OP.GETFIELD))
try("field key", setinstr(s, find(s, OP.GETFIELD), (i & 0xffffff) | 9 << 24))
local tf = function() local t = {1, 2, 3} return t end
s = string.dump(tf, true)
i = instr(s, find(s, OP.NEWTABLE))
try("setlist", setinstr(s, find(s, OP.NEWTABLE), (i & ~0xff) | OP.LOADFALSE))
local callf = function(f, g) local x = g(f()) return x end
s = string.dump(callf, true)
pc = find(s, OP.CALL)
i = instr(s, pc)
try("to top", setinstr(s, pc, (i & 0xffffff) | 2 << 24))
local nf = function() return function() end end
s = string.dump(nf, true)
i = instr(s, find(s, OP.CLOSURE))
try("closure", setinstr(s, find(s, OP.CLOSURE), (i & 0xffff) | 5 << 16))
-- a loop body that writes the loop's own counters (FORLOOP updates them in place)
local forf = function() local s = 0 for i = 1, 3 do s = s + i end return s end
s = string.dump(forf, true)
local base = (instr(s, find(s, OP.FORLOOP)) >> 8) & 0xff
pc = find(s, OP.ADD)
i = instr(s, pc)
try("for counters", setinstr(s, pc, (i & ~0xff00) | base << 8))
-- returns that skip closing: a to-be-closed variable, an open upvalue
local tbcf = function() local x <close> = nil end
s = string.dump(tbcf, true)
pc = find(s, OP.RETURN)
try("tbc", setinstr(s, pc, OP.RETURN0))
local upf = function() local x = 1 local g = function() return x end return g end
s = string.dump(upf, true)
pc = find(s, OP.RETURN)
i = instr(s, pc)
try("open upvalue", setinstr(s, pc, (i & ~0xff) | OP.RETURN1))
s = string.dump(ret1, true)
try("ncode", patch(s, codeat(s) - 1, "\x7f"))
print("trailing bytes", load(s .. "extra")(7))

-- function ids (prof.h) hash the chunk name and the code: a loaded copy keeps its function's
-- id unless stripping dropped the chunk name
local idf = function(x) return x * 2 end
print("fid kept", jolt.fid(load(string.dump(idf))) == jolt.fid(idf),
      "fid of stripped differs", jolt.fid(load(string.dump(idf, true))) ~= jolt.fid(idf))
