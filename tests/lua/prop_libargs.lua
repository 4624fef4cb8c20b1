-- property: library functions called with random arguments (wrong types, bounds, floats with and
-- without integer values, numeric strings) give the same results and the same error messages
math.randomseed(31337)
local pool = {-1, 0, 1, 2, 3, 10, -10, 255, 256, 1.5, 2.0, -0.0, math.maxinteger, math.mininteger, 2^53, 0/0, 1/0,
  "3", "0x10", "x", "", "abc", "%d", "%a+", "(a)", "[a-", "a.b", "\0z", "<i4", "!4 i3", nil, {}, true, rawequal}   -- not print: table.sort's comparison sequence may differ
local funcs = {}
-- base functions that touch files, the collector's state or the output are left out
local unsafe = {dofile = true, loadfile = true, require = true, collectgarbage = true, print = true}
for _, lib in ipairs({"string", "math", "utf8", "table", "coroutine", "_G"}) do
  local names = {}
  for k in pairs(_G[lib]) do if not unsafe[k] then names[#names + 1] = k end end
  table.sort(names)
  for _, k in ipairs(names) do
    -- dump makes bytecode (its own format in jolt); randomseed would reseed the cases
    if type(_G[lib][k]) == "function" and k ~= "dump" and k ~= "randomseed" then
      funcs[#funcs + 1] = {lib .. "." .. k, _G[lib][k]}
    end
  end
end
local function show(v)
  local t = type(v)
  if t == "string" then return string.format("%q", v) end
  if t == "number" then return math.type(v) == "integer" and "int:" .. v or "float:" .. string.format("%.17g", v) end
  if t == "table" or t == "function" or t == "thread" or t == "userdata" then return t end
  return tostring(v)
end
for i = 1, 3000 do
  local name, f = table.unpack(funcs[math.random(#funcs)])
  local n = math.random(0, 4)
  local args = {}
  for j = 1, n do args[j] = pool[math.random(#pool + 1)] end   -- one past the end: nil
  if name == "table.concat" or name == "table.unpack" or name == "table.move" or name == "table.insert" or name == "table.remove" or name == "table.sort" then
    if type(args[1]) == "table" then args[1] = {3, 1, 2} end
  end
  local r = table.pack(pcall(f, table.unpack(args, 1, n)))
  local out = {}
  for j = 1, r.n do
    local v = r[j]
    if j == 2 and type(v) == "function" and name:find("match") then v = "iterator" end
    out[j] = show(v)
  end
  -- math.atan2 is math.atan; lua5.4 names it by whichever key its randomized string hash puts first
  out[2] = out[2] and out[2]:gsub("'math%.atan2'", "'math.atan'")
  local shown = {}
  for j = 1, n do shown[j] = show(args[j]) end
  print(i, name, table.concat(shown, ","), "->", table.concat(out, " "))
end
