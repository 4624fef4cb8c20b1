-- Upvalues of a loaded binary chunk: the first one is set to the environment (the globals,
-- or load's env argument), the others are fresh and nil, and each load gets its own.
local a, b, c = 1, "two", {3}
local function f() return a, b, c end
local function show(fn)
  local parts = {}
  for i = 1, 5 do
    local name, v = debug.getupvalue(fn, i)
    if not name then break end
    local shown = v == _G and "_G" or type(v) == "table" and "table" or tostring(v)
    parts[#parts + 1] = name .. "=" .. shown
  end
  return table.concat(parts, " ")
end
print(show(f))
local g = load(string.dump(f))
print(show(g))
print(select(1, g()) == _G, select(2, g()), select(3, g()))
local env = {marker = true}
local h = load(string.dump(f), "x", "b", env)
print(h() == env, show(h))
local gs = load(string.dump(f, true))
print(show(gs))

-- the upvalues of two loads are distinct; closures made by a loaded function share theirs
local function counter()
  local n = 0
  return function() n = n + 1; return n end, function() return n end
end
local mk = load(string.dump(counter))
local inc, get = mk()
inc(); inc()
print(get(), inc(), get())
local function up2() local x = a; b = x; return b end
local u1, u2 = load(string.dump(up2)), load(string.dump(up2))
debug.setupvalue(u1, 2, "changed")
print(select(2, pcall(u1)) == _G)
print(debug.upvalueid(u1, 2) ~= debug.upvalueid(u2, 2), debug.getupvalue(u2, 2))

-- a function that uses globals: its _ENV upvalue is what load sets
local function glob() return tostring(_ENV == _G), type(print) end
print(load(string.dump(glob))())
print(pcall(load(string.dump(glob), "g", "b", {})))
local function noup() return 42 end
print(debug.getupvalue(load(string.dump(noup)), 1), load(string.dump(noup))())
