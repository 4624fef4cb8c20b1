-- Values whose type changes after the loop got hot: a loop local, a parameter of a called
-- function, and a captured local written by a callee (the compiled loop must not keep it in a
-- register across the call, nor trust its old tag). Errors report the interpreter's message.
local function show(...)
  local t = table.pack(...)
  for i = 1, t.n do
    local v = t[i]
    if math.type(v) == "float" then t[i] = string.format("%.17g", v) else t[i] = tostring(v) end
  end
  print(table.concat(t, " ", 1, t.n))
end
local function loc(nv)
  local v, acc = 1, 0
  for i = 1, 4000 do
    if i == 2000 then v = nv end
    acc = acc + v * 3
    if math.type(v) == "integer" then v = (v + 1) % 50 end
  end
  return acc
end
for _, nv in ipairs({2.5, "12", "3.5", " 7 ", -0.0, math.maxinteger}) do show(pcall(loc, nv)) end
show(pcall(loc, "abc"))
show(pcall(loc, true))
local function param(v, acc) return acc + v // 2 end
local function viaparam(nv)
  local v, acc = 3, 0
  for i = 1, 4000 do
    if i == 2500 then v = nv end
    acc = param(v, acc)
  end
  return acc
end
for _, nv in ipairs({2.5, "12", "0x10", 1e308}) do show(pcall(viaparam, nv)) end
show(pcall(viaparam, nil))
local function upv(nv)
  local x, acc = 0, 0
  local function inc(i) x = x + 1 if i == 1500 then x = nv end end
  for i = 1, 3500 do
    x = x + 1
    inc(i)
    acc = acc + x
    x = x % 1000
  end
  return acc, x
end
for _, nv in ipairs({0.5, -1, "7", math.maxinteger}) do show(pcall(upv, nv)) end
show(pcall(upv, nil))
local function counter()
  local count, flt = 0, 0
  local function bump(d) count = count + d end
  local function setf(i) if i > 2000 then flt = flt + 0.5 else flt = flt + 1 end end
  local acc = 0
  for i = 1, 4000 do
    local before = count
    bump(i % 3)
    setf(i)
    if count == before then acc = acc + 1 end
    acc = acc + count % 1000 + flt // 1
  end
  return acc, count, flt
end
show(counter())
