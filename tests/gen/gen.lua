-- gen.lua: writes random Lua 5.4 programs for differential testing (tests/run.sh, group gen).
--
--   lua5.4 tests/gen/gen.lua SEED COUNT DIR     writes DIR/gen0000.lua .. DIR/gen<COUNT-1>.lua
--
-- Program i depends only on (SEED, i), so one failing program can be regenerated alone. Each
-- program mixes integers, floats, strings, tables, closures, loops, metatables and coroutines;
-- every statement runs under pcall and prints its line number, whether it failed and a
-- description of its value that never shows an address or depends on pairs() order.
-- Expressions may be ill-typed on purpose (about one operand in eight), so error messages are
-- compared too. Nothing grows without bound: loops are short and string repetitions small.

local SEED = math.tointeger(tonumber(arg[1] or "1")) or 1
local COUNT = math.tointeger(tonumber(arg[2] or "100")) or 100
local DIR = arg[3] or "."

local rnd = math.random
local function chance(p) return rnd() < p end
local function pick(list) return list[rnd(#list)] end

-- -- Literals -------------------------------------------------------------------------------

local INTS = {"0", "1", "-1", "2", "3", "7", "10", "100", "255", "-17", "1000003", "math.maxinteger",
  "math.mininteger", "(1 << 31)", "0x7f", "-(2^53 // 1 | 0)"}
local FLOATS = {"0.5", "-0.0", "1.5", "3.25", "1e15", "1e100", "-2.5", "0.1", "2.0", "-7.0", "1/0",
  "-1/0", "2^53", "1e-3"}
local STRS = {'""', '"a"', '"hello"', '"10"', '"3.5"', '"0x1F"', '" 7 "', '"abc def"', '"x\\ny"',
  '"\\0z"', '"-4"', '"1e2"', '"Lua"', '"%d"', '"[]"'}
local PATS = {'"%a+"', '"%d"', '"l+"', '"^h"', '"(%w)(%w)"', '"%s"', '"[aeiou]"', '"."', '"x*"'}
local KINDS = {"int", "float", "str", "bool", "tbl", "box", "fn"}

-- -- Scope: variables by kind ---------------------------------------------------------------

local scope
local function newscope() scope = {int = {}, float = {}, str = {}, bool = {}, tbl = {}, box = {}, fn = {}} end
local function addvar(kind, name) table.insert(scope[kind], name) end
local function var(kind)
  local vs = scope[kind]
  if #vs > 0 then return pick(vs) end
end

local expr -- forward: expr(kind, depth)

local function num(depth)
  return expr(chance(0.7) and "int" or "float", depth)
end

-- Any kind at all: how ill-typed operands get in.
local function any(depth) return expr(pick(KINDS), depth) end
-- Mostly the intended kind, sometimes anything.
local function operand(kind, depth)
  if chance(0.12) then return any(depth) end
  return expr(kind, depth)
end

-- -- Expressions by kind --------------------------------------------------------------------

local gen = {}

-- lua5.4 (5.4.4) reports integer division and modulo by zero with a stale line number (the
-- line of the function, not of the operator): a reference bug, so divisors never are zero.
local function binop(a, op, b)
  if op == "//" or op == "%" then b = "nz(" .. b .. ")" end
  return "(" .. a .. " " .. op .. " " .. b .. ")"
end

function gen.int(d)
  if d <= 0 or chance(0.25) then
    return var("int") or pick(INTS)
  end
  local r = rnd(14)
  if r <= 4 then
    return binop(operand("int", d - 1), pick({"+", "-", "*", "//", "%"}), operand("int", d - 1))
  elseif r <= 6 then
    return "(" .. operand("int", d - 1) .. " " .. pick({"&", "|", "~", "<<", ">>"}) .. " " .. operand("int", d - 1) .. ")"
  elseif r == 7 then
    return pick({"-", "~"}) .. "(" .. operand("int", d - 1) .. ")"
  elseif r == 8 then
    return "#" .. operand("str", d - 1)
  elseif r == 9 then
    return "math." .. pick({"floor", "ceil"}) .. "(" .. num(d - 1) .. ")"
  elseif r == 10 then
    return "(math.tointeger(" .. num(d - 1) .. ") or 0)"
  elseif r == 11 then
    return "((" .. operand("str", d - 1) .. "):byte(" .. rnd(-3, 3) .. ") or -1)"
  elseif r == 12 then
    return "select('#', " .. any(d - 1) .. ", " .. any(d - 1) .. ")"
  elseif r == 13 then
    return "((" .. operand("box", d - 1) .. ").n // 1 | 0)"
  else
    return "count(" .. operand("tbl", d - 1) .. ")"
  end
end

function gen.float(d)
  if d <= 0 or chance(0.25) then
    return var("float") or pick(FLOATS)
  end
  local r = rnd(9)
  if r <= 3 then
    return binop(num(d - 1), pick({"+", "-", "*", "/", "//", "%", "^"}), operand("float", d - 1))
  elseif r == 4 then
    return "(" .. num(d - 1) .. " / " .. num(d - 1) .. ")"
  elseif r == 5 then
    return "math." .. pick({"abs", "sqrt", "exp"}) .. "(" .. operand("float", d - 1) .. ")"
  elseif r == 6 then
    return "math.fmod(" .. num(d - 1) .. ", " .. num(d - 1) .. ")"
  elseif r == 7 then
    return "(tonumber(" .. operand("str", d - 1) .. ") or 0.25)"
  elseif r == 8 then
    return "(" .. operand("str", d - 1) .. " " .. pick({"+", "*", "-"}) .. " " .. num(d - 1) .. ")"
  else
    return "math." .. pick({"max", "min"}) .. "(" .. num(d - 1) .. ", " .. operand("float", d - 1) .. ")"
  end
end

function gen.str(d)
  if d <= 0 or chance(0.25) then
    return var("str") or pick(STRS)
  end
  local r = rnd(12)
  if r <= 3 then
    return "(" .. operand("str", d - 1) .. " .. " .. (chance(0.7) and operand("str", d - 1) or num(d - 1)) .. ")"
  elseif r == 4 then
    return "(" .. operand("str", d - 1) .. "):" .. pick({"upper", "lower", "reverse"}) .. "()"
  elseif r == 5 then
    return "(" .. operand("str", d - 1) .. "):sub(" .. rnd(-5, 5) .. ", " .. rnd(-5, 8) .. ")"
  elseif r == 6 then
    return "(" .. operand("str", d - 1) .. "):rep(" .. rnd(0, 3) .. (chance(0.5) and ", \",\"" or "") .. ")"
  elseif r == 7 then
    return "str(" .. any(d - 1) .. ")"
  elseif r == 8 then
    local repl = pick({'"<%1>"', '"%0%0"', '"-"', "{a = \"A\", l = 1}", "function(c) return c:upper() end"})
    return "(string.gsub(" .. operand("str", d - 1) .. ", " .. pick(PATS) .. ", " .. repl .. "))"
  elseif r == 9 then
    return "string.format(" .. pick({'"%d|%s"', '"%5.2f:%s"', '"%x %q"', '"%g %s"', '"[%3d] %-4s|"'}) ..
      ", " .. num(d - 1) .. ", str(" .. operand("str", d - 1) .. "))"
  elseif r == 10 then
    return "((" .. operand("str", d - 1) .. "):match(" .. pick(PATS) .. ") or \"nomatch\")"
  elseif r == 11 then
    return "table.concat(" .. operand("tbl", d - 1) .. ", " .. pick({'","', '""', '" "'}) .. ")"
  else
    return "(" .. operand("box", d - 1) .. " .. " .. operand("str", d - 1) .. ")"
  end
end

function gen.bool(d)
  if d <= 0 or chance(0.2) then
    return var("bool") or pick({"true", "false"})
  end
  local r = rnd(9)
  if r <= 2 then
    return "(" .. num(d - 1) .. " " .. pick({"<", "<=", ">", ">=", "==", "~="}) .. " " .. num(d - 1) .. ")"
  elseif r == 3 then
    return "(" .. operand("str", d - 1) .. " " .. pick({"<", "<=", "==", "~="}) .. " " .. operand("str", d - 1) .. ")"
  elseif r == 4 then
    return "(" .. any(d - 1) .. " " .. pick({"==", "~="}) .. " " .. any(d - 1) .. ")"
  elseif r == 5 then
    return "not " .. any(d - 1)
  elseif r == 6 then
    return "(" .. operand("bool", d - 1) .. " " .. pick({"and", "or"}) .. " " .. operand("bool", d - 1) .. ")"
  elseif r == 7 then
    return "(" .. operand("box", d - 1) .. " " .. pick({"<", "<=", "==", ">"}) .. " " .. operand("box", d - 1) .. ")"
  elseif r == 8 then
    return "math.ult(" .. expr("int", d - 1) .. ", " .. expr("int", d - 1) .. ")"
  else
    return "rawequal(" .. any(d - 1) .. ", " .. any(d - 1) .. ")"
  end
end

function gen.tbl(d)
  if d <= 0 or chance(0.3) then
    return var("tbl") or "{}"
  end
  local r = rnd(4)
  if r <= 2 then
    local items = {}
    for i = 1, rnd(0, 4) do items[i] = chance(0.5) and num(d - 1) or expr("str", d - 1) end
    if chance(0.3) then items[#items + 1] = "k = " .. any(d - 1) end
    return "{" .. table.concat(items, ", ") .. "}"
  elseif r == 3 then
    return "{" .. operand("tbl", d - 1) .. "}"
  else
    return "ints(" .. rnd(0, 6) .. ", " .. expr("int", d - 1) .. ")"
  end
end

function gen.box(d)
  if d <= 0 or chance(0.3) then
    return var("box") or ("box(" .. pick(INTS) .. ")")
  end
  local r = rnd(5)
  if r <= 2 then
    return "(" .. operand("box", d - 1) .. " " .. pick({"+", "-", "*", "//", "%", "&"}) .. " " ..
      (chance(0.5) and operand("box", d - 1) or num(d - 1)) .. ")"
  elseif r == 3 then
    return "(- " .. operand("box", d - 1) .. ")"
  elseif r == 4 then
    return "box(" .. num(d - 1) .. ")"
  else
    return "box(#" .. operand("box", d - 1) .. ")"
  end
end

function gen.fn(d)
  return var("fn") or "id"
end

-- Calls of closures and boxes produce values of any kind.
-- Inside coroutines, no boxes and no calls of generated closures: lua5.4 (5.4.4) passes wrong
-- operands to __concat when a concatenation of three or more values calls it in a coroutine
-- (e.g. `(-1) .. (box .. "b")` gives __concat(-1, box)), a reference bug.
local nobox = false

function expr(kind, d)
  if nobox and (kind == "box" or kind == "fn") then kind = "int" end
  if d > 0 and not nobox and chance(0.06) then
    local f = var("fn")
    if f then return f .. "(" .. num(d - 1) .. ", " .. num(d - 1) .. ")" end
  end
  if kind == "int" and d > 0 and not nobox and chance(0.05) then
    return "(" .. operand("box", d - 1) .. ")(" .. num(d - 1) .. ")"
  end
  return gen[kind](d)
end

-- -- Statements -----------------------------------------------------------------------------

local out, line
local function emit(s) out[#out + 1] = s; line = line + select(2, s:gsub("\n", "")) + 1 end

local PRELUDE = [[
-- generated by tests/gen/gen.lua
local MT = {}
-- A box always holds a number, so that its text never shows an address.
local function box(n) if type(n) ~= "number" then n = 0 end return setmetatable({n = n}, MT) end
-- tostring without addresses: the type name for tables, functions and threads.
local function str(x)
  local t = type(x)
  if t == "table" or t == "function" or t == "thread" or t == "userdata" then return t end
  return tostring(x)
end
local function val(x) if getmetatable(x) == MT then return x.n end return x end
MT.__add = function(a, b) return box(val(a) + val(b)) end
MT.__sub = function(a, b) return box(val(a) - val(b)) end
MT.__mul = function(a, b) return box(val(a) * val(b)) end
MT.__idiv = function(a, b) return box(val(a) // val(b)) end
MT.__mod = function(a, b) return box(val(a) % val(b)) end
MT.__band = function(a, b) return box(val(a) & val(b)) end
MT.__unm = function(a) return box(-a.n) end
MT.__len = function(a) local n = math.tointeger(a.n) return n and n % 8 or 0 end
MT.__eq = function(a, b) return a.n == b.n end
MT.__lt = function(a, b) return val(a) < val(b) end
MT.__le = function(a, b) return val(a) <= val(b) end
MT.__concat = function(a, b) return str(val(a)) .. "~" .. str(val(b)) end
MT.__tostring = function(a) return "box<" .. tostring(a.n) .. ">" end
MT.__call = function(self, x) return self.n * 2 + x end
MT.__index = function(t, k) return "missing:" .. str(k) end
local function id(a, b) return a end
local function nz(x) if x == 0 then return 7 end return x end
local function count(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n end
local function ints(n, start) local t = {} for i = 1, n do t[i] = (start * i) % 97 end return t end
local show
local function showtable(t, depth)
  if depth > 2 then return "{...}" end
  local parts, n = {}, 0
  for i = 1, 8 do
    if rawget(t, i) == nil then break end
    parts[#parts + 1] = show(rawget(t, i), depth + 1); n = i
  end
  local extra = 0
  for k in pairs(t) do if not (math.type(k) == "integer" and k >= 1 and k <= n) then extra = extra + 1 end end
  return "{" .. table.concat(parts, ",") .. (extra > 0 and (" +" .. extra) or "") .. "}"
end
function show(v, depth)
  depth = depth or 0
  local t = type(v)
  if t == "number" then return math.type(v) .. ":" .. tostring(v) end
  if t == "string" then return string.format("%q", v) end
  if t == "table" then
    if getmetatable(v) == MT then return "box(" .. show(v.n, depth + 1) .. ")" end
    return showtable(v, depth)
  end
  return t == "function" and "function" or tostring(v)
end
local function try(line, f, ...)
  local r = table.pack(pcall(f, ...))
  local parts = {}
  for i = 2, r.n do parts[#parts + 1] = show(r[i]) end
  print(line, r[1], table.concat(parts, " "))
  if r[1] then return r[2] end
end
]]

local DEFAULT = {int = "0", float = "0.5", str = '"s"', bool = "false", tbl = "{}", box = "box(1)", fn = "id"}
local nvars

local function stmt_local()
  local kind = pick({"int", "int", "float", "str", "str", "bool", "tbl", "box"})
  nvars = nvars + 1
  local name = "v" .. nvars
  local e = expr(kind, rnd(1, 3))
  emit(("local %s = try(%d, function() return %s end) or %s"):format(name, line, e, DEFAULT[kind]))
  -- A failed statement leaves the default, so the kind still holds, except that try may return
  -- a value of another kind (calls of closures): harmless, it just makes more errors.
  addvar(kind, name)
end

local function stmt_print()
  emit(("try(%d, function() return %s end)"):format(line, any(rnd(1, 4))))
end

local function stmt_closure()
  nvars = nvars + 1
  local name = "f" .. nvars
  local saved = scope
  -- Parameters a and b are numbers inside the body; outer variables become upvalues.
  local inner = {}
  for k, v in pairs(saved) do inner[k] = {table.unpack(v)} end
  scope = inner
  addvar("int", "a"); addvar("float", "b")
  local body
  if chance(0.3) then
    body = ("local acc = a\n  for i = 1, 3 do acc = acc + (%s) end\n  return acc"):format(expr("int", 2))
  else
    body = "return " .. any(3)
  end
  scope = saved
  emit(("local function %s(a, b)\n  %s\nend"):format(name, body))
  addvar("fn", name)
end

local function stmt_counter()
  nvars = nvars + 1
  local name = "c" .. nvars
  emit(("local %s = (function() local c = try(%d, function() return %s end) or 0 return function(d) c = c + d return c end end)()"):format(
    name, line, expr("int", 1)))
  emit(("try(%d, function() %s(1); %s(%s) return %s(0) end)"):format(line, name, name, expr("int", 2), name))
end

local function stmt_for()
  local range = pick({{"1", "5"}, {"5", "1"}, {"math.maxinteger - 3", "math.maxinteger"},
    {"math.mininteger", "math.mininteger + 2"}, {"1.0", "2.5"}, {"0", "3"}, {"-2", "2"}})
  local step = pick({"1", "-1", "2", "0.5", "math.maxinteger"})
  emit(("try(%d, function()\n  local acc, n = %s, 0\n  for i = %s, %s, %s do\n    n = n + 1\n    if n > 6 then break end\n    acc = %s\n  end\n  return acc, n\nend)"):format(
    line, expr("int", 1), range[1], range[2], step,
    (function() addvar("int", "i"); addvar("int", "acc"); local e = expr("int", 2)
      scope.int[#scope.int] = nil; scope.int[#scope.int] = nil; return e end)()))
end

local function stmt_while()
  emit(("try(%d, function()\n  local s, k = %s, 0\n  while k < 4 do\n    k = k + 1\n    if k == 2 then goto continue end\n    s = (s .. %s):sub(1, 40)\n    ::continue::\n  end\n  return s\nend)"):format(
    line, expr("str", 1), chance(0.5) and expr("str", 2) or "k"))
end

local function stmt_if()
  emit(("try(%d, function()\n  if %s then return %s elseif %s then return %s else return %s end\nend)"):format(
    line, any(2), any(2), expr("bool", 2), any(2), any(1)))
end

local function stmt_table()
  local t = var("tbl")
  if not t then return stmt_local() end
  local r = rnd(5)
  if r == 1 then
    emit(("try(%d, function() %s[#%s + 1] = %s return #%s end)"):format(line, t, t, num(2), t))
  elseif r == 2 then
    emit(("try(%d, function() %s.k = %s return %s.k end)"):format(line, t, any(2), t))
  elseif r == 3 then
    emit(("try(%d, function() table.insert(%s, 1, %s) return %s[1], #%s end)"):format(line, t, expr("str", 1), t, t))
  elseif r == 4 then
    emit(("try(%d, function() local s = ints(%d, %s) table.sort(s, function(x, y) return x > y end) return s end)"):format(
      line, rnd(0, 8), expr("int", 2)))
  else
    emit(("try(%d, function() return select('#', table.unpack(%s)), table.remove(%s) end)"):format(line, t, t))
  end
end

local function stmt_error()
  local r = rnd(4)
  if r == 1 then
    emit(("try(%d, function() error(%s) end)"):format(line, any(2)))
  elseif r == 2 then
    emit(("try(%d, function() error(%s, %d) end)"):format(line, expr("str", 2), rnd(0, 2)))
  elseif r == 3 then
    emit(("try(%d, function() error({code = %s}) end)"):format(line, num(1)))
  else
    emit(("try(%d, function() local t = nil; return t.x end)"):format(line))
  end
end

local function stmt_coroutine()
  emit(("try(%d, function()\n  local co = coroutine.wrap(function(x)\n    for i = 1, 3 do x = coroutine.yield(%s) end\n    return \"done\"\n  end)\n  return co(1), co(2), co(3), co(4)\nend)"):format(
    line, (function()
      local saved = scope
      scope = {int = {"x"}, float = {}, str = {}, bool = {}, tbl = {}, box = {}, fn = {}}
      for _, k in ipairs({"int", "float", "str", "bool"}) do
        for _, v in ipairs(saved[k]) do table.insert(scope[k], v) end
      end
      nobox = true
      local e = any(2)
      nobox, scope = false, saved
      return e
    end)()))
end

-- The block's expression is a leaf, which cannot fail: lua5.4 (5.4.4) can turn an error raised
-- in a block with <close> variables (even one caught by a pcall inside it) into "attempt to call
-- a nil value" and skip a __close (seen with SEED=1, program 149), a reference bug.
-- tests/lua/lang_goto_close.lua covers errors through <close> variables.
local function stmt_close()
  emit(("try(%d, function()\n  local log = {}\n  do\n    local a <close> = setmetatable({}, {__close = function() log[#log + 1] = \"a\" end})\n    local b <close> = setmetatable({}, {__close = function(_, e) log[#log + 1] = \"b\" .. (e and \"!\" or \"\") end})\n    log[#log + 1] = str(%s)\n  end\n  return table.concat(log, \",\")\nend)"):format(
    line, any(0)))
end

local STMTS = {
  {stmt_local, 10}, {stmt_print, 12}, {stmt_closure, 3}, {stmt_counter, 1}, {stmt_for, 3},
  {stmt_while, 2}, {stmt_if, 3}, {stmt_table, 4}, {stmt_error, 2}, {stmt_coroutine, 1}, {stmt_close, 1},
}
local TOTAL = 0
for _, s in ipairs(STMTS) do TOTAL = TOTAL + s[2] end
local function stmt()
  local r = rnd(TOTAL)
  for _, s in ipairs(STMTS) do
    r = r - s[2]
    if r <= 0 then return s[1]() end
  end
end

local function program(i)
  math.randomseed(SEED, i)
  newscope()
  out, line, nvars = {}, 1, 0
  for l in PRELUDE:gmatch("[^\n]*\n") do emit(l:sub(1, -2)) end
  -- emit counts the lines it adds: the prelude ends at line `line - 1`
  for _ = 1, rnd(25, 45) do stmt() end
  emit('print("end")')
  return table.concat(out, "\n") .. "\n"
end

for i = 0, COUNT - 1 do
  local path = ("%s/gen%04d.lua"):format(DIR, i)
  local f = assert(io.open(path, "w"))
  f:write(program(i))
  f:close()
end
