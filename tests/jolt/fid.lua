-- Function ids: stable within a chunk's text, independent of line numbers, distinct for
-- different code, shared by identical functions of one chunk.
local src1 = "local function a(x) return x + 1 end local function b(x) return x + 1 end return a, b"
local src2 = "\n\n\nlocal function a(x) return x + 1 end\nlocal function b(x) return x + 1 end return a, b"
local a1, b1 = load(src1, "=chunk")()
local a2, b2 = load(src2, "=chunk")()
print("same code, same id", jolt.fid(a1) == jolt.fid(b1))
print("lines do not matter", jolt.fid(a1) == jolt.fid(a2))
local c = load("return function(x) return x + 2 end", "=chunk")()
print("other code, other id", jolt.fid(a1) ~= jolt.fid(c))
local d = load(src1, "=other")()
print("chunk name matters", jolt.fid(a1) ~= jolt.fid(d))
print("16 hex digits", jolt.fid(a1):match("^%x+$") ~= nil and #jolt.fid(a1) == 16)
print(pcall(jolt.fid, print))
