-- parser.lua: an expression-language service: lex, parse, evaluate and pretty-print requests.
-- The language has numbers, variables, + - * / % ^, unary minus, comparisons, and/or/not,
-- calls to built-ins (max, min, abs, sqrt, floor, clamp), "let x = e in e" and
-- "if c then a else b". Each request generates expressions from a seed, evaluates them,
-- prints them back, re-parses the printed text and requires the same value and a printer
-- fixed point; deliberately malformed inputs must fail with exactly the expected message.

local format, byte, sub, floor = string.format, string.byte, string.sub, math.floor
local find, match = string.find, string.match

local EXPRESSIONS_PER_REQUEST = 20

---------------------------------------------------------------- lexer (string patterns)

local KEYWORDS = { let = true, ["in"] = true, ["if"] = true, ["then"] = true,
                   ["else"] = true, ["and"] = true, ["or"] = true, ["not"] = true }
local TWO_CHAR = { ["=="] = true, ["~="] = true, ["<="] = true, [">="] = true }
local ONE_CHAR = {}
for c in string.gmatch("+-*/%^()<>=,", ".") do ONE_CHAR[c] = true end

local function lex_error(pos, what) error(format("lex error at %d: %s", pos, what), 0) end

-- Returns an array of tokens {type=..., text=..., pos=...} ending with an "eof" token.
local function lex(src)
  local tokens, pos, len = {}, 1, #src
  while true do
    pos = find(src, "[^ \t\n]", pos)
    if not pos then break end
    local b, text, kind = byte(src, pos)
    if b >= 48 and b <= 57 then
      text = match(src, "^%d+%.?%d*", pos)
      if sub(text, -1) == "." then lex_error(pos + #text, "digit expected after '.'") end
      kind = "num"
    elseif (b >= 97 and b <= 122) or (b >= 65 and b <= 90) or b == 95 then
      text = match(src, "^[%a_][%w_]*", pos)
      kind = KEYWORDS[text] and text or "name"
    else
      text = sub(src, pos, pos + 1)
      if not TWO_CHAR[text] then
        text = sub(text, 1, 1)
        if not ONE_CHAR[text] then lex_error(pos, "unexpected character '" .. text .. "'") end
      end
      kind = text
    end
    tokens[#tokens + 1] = { type = kind, text = text, pos = pos }
    pos = pos + #text
  end
  tokens[#tokens + 1] = { type = "eof", text = "<eof>", pos = len + 1 }
  return tokens
end

---------------------------------------------------------------- parser (precedence climbing)

-- Binary operators: precedence and whether they associate to the right.
local BINARY = {
  ["or"] = { 1 }, ["and"] = { 2 },
  ["=="] = { 3 }, ["~="] = { 3 }, ["<"] = { 3 }, ["<="] = { 3 }, [">"] = { 3 }, [">="] = { 3 },
  ["+"] = { 4 }, ["-"] = { 4 }, ["*"] = { 5 }, ["/"] = { 5 }, ["%"] = { 5 },
  ["^"] = { 7, true },
}
local UNARY_PREC = 6

local Parser = {}
Parser.__index = Parser

local function new_parser(src)
  return setmetatable({ tokens = lex(src), at = 1 }, Parser)
end

function Parser:peek() return self.tokens[self.at] end

function Parser:next()
  local t = self.tokens[self.at]
  self.at = self.at + 1
  return t
end

function Parser:fail(what)
  local t = self:peek()
  error(format("parse error at %d near '%s': %s", t.pos, t.text, what), 0)
end

function Parser:expect(type, what)
  if self:peek().type ~= type then self:fail(what or ("'" .. type .. "' expected")) end
  return self:next()
end

function Parser:expr()
  local t = self:peek().type
  if t == "let" then
    self:next()
    local name = self:expect("name", "variable name expected after 'let'").text
    self:expect("=")
    local value = self:expr()
    self:expect("in")
    return { tag = "let", name = name, value = value, body = self:expr() }
  elseif t == "if" then
    self:next()
    local cond = self:expr()
    self:expect("then")
    local yes = self:expr()
    self:expect("else")
    return { tag = "if", cond = cond, yes = yes, no = self:expr() }
  end
  return self:binary(1)
end

function Parser:binary(min_prec)
  local left = self:unary()
  while true do
    local op = self:peek().type
    local info = BINARY[op]
    if not info or info[1] < min_prec then return left end
    self:next()
    local right = self:binary(info[2] and info[1] or info[1] + 1)
    left = { tag = "bin", op = op, left = left, right = right }
  end
end

function Parser:unary()
  local t = self:peek().type
  if t == "-" or t == "not" then
    self:next()
    return { tag = "un", op = t, operand = self:binary(UNARY_PREC) }
  end
  return self:primary()
end

function Parser:primary()
  local t = self:next()
  if t.type == "num" then
    return { tag = "num", value = tonumber(t.text) + 0.0, text = t.text }
  elseif t.type == "name" then
    if self:peek().type ~= "(" then return { tag = "var", name = t.text } end
    self:next()
    local args = {}
    if self:peek().type ~= ")" then
      args[1] = self:expr()
      while self:peek().type == "," do
        self:next()
        args[#args + 1] = self:expr()
      end
    end
    self:expect(")", "')' expected to close call of " .. t.text)
    return { tag = "call", name = t.text, args = args }
  elseif t.type == "(" then
    local e = self:expr()
    self:expect(")", "')' expected")
    return e
  elseif t.type == "let" or t.type == "if" then
    self.at = self.at - 1
    return self:expr()
  end
  self.at = self.at - 1
  self:fail("expression expected")
end

local function parse(src)
  local p = new_parser(src)
  local e = p:expr()
  if p:peek().type ~= "eof" then p:fail("end of input expected") end
  return e
end

---------------------------------------------------------------- evaluator (tree walking)

local function eval_error(what) error("eval error: " .. what, 0) end

local function truthy(v) return v ~= 0 end

-- Integer powers by repeated squaring so that every engine rounds identically.
local function power(b, e)
  if e ~= floor(e) or e > 64 or e < -64 then eval_error("exponent must be a small integer") end
  local result, n = 1.0, e
  if n < 0 then n = -n end
  while n > 0 do
    if n % 2 == 1 then result = result * b end
    b = b * b
    n = floor(n / 2)
  end
  if e < 0 then
    if result == 0 then eval_error("zero to a negative power") end
    result = 1.0 / result
  end
  return result
end

local ARITH = {
  ["+"] = function(a, b) return a + b end,
  ["-"] = function(a, b) return a - b end,
  ["*"] = function(a, b) return a * b end,
  ["/"] = function(a, b)
    if b == 0 then eval_error("division by zero") end
    return a / b
  end,
  ["%"] = function(a, b)
    if b == 0 then eval_error("modulo by zero") end
    return a - floor(a / b) * b
  end,
  ["^"] = power,
  ["=="] = function(a, b) return a == b and 1.0 or 0.0 end,
  ["~="] = function(a, b) return a ~= b and 1.0 or 0.0 end,
  ["<"] = function(a, b) return a < b and 1.0 or 0.0 end,
  ["<="] = function(a, b) return a <= b and 1.0 or 0.0 end,
  [">"] = function(a, b) return a > b and 1.0 or 0.0 end,
  [">="] = function(a, b) return a >= b and 1.0 or 0.0 end,
}

local BUILTINS = {
  max = { 2, function(a) return a[1] > a[2] and a[1] or a[2] end },
  min = { 2, function(a) return a[1] < a[2] and a[1] or a[2] end },
  abs = { 1, function(a) return a[1] < 0 and -a[1] or a[1] end },
  floor = { 1, function(a) return floor(a[1]) + 0.0 end },
  sqrt = { 1, function(a)
    if a[1] < 0 then eval_error("sqrt of a negative number") end
    return math.sqrt(a[1])
  end },
  clamp = { 3, function(a)
    if a[1] < a[2] then return a[2] end
    if a[1] > a[3] then return a[3] end
    return a[1]
  end },
}

-- Environments chain through __index so that a let only allocates its own binding.
local function extend(env, name, value)
  return setmetatable({ [name] = value }, { __index = env })
end

local eval
local EVAL = {
  num = function(e) return e.value end,
  var = function(e, env)
    local v = env[e.name]
    if v == nil then eval_error("unbound variable " .. e.name) end
    return v
  end,
  un = function(e, env)
    local v = eval(e.operand, env)
    if e.op == "-" then return -v end
    return truthy(v) and 0.0 or 1.0
  end,
  bin = function(e, env)
    local op = e.op
    local a = eval(e.left, env)
    if op == "and" then
      if not truthy(a) then return a end
      return eval(e.right, env)
    elseif op == "or" then
      if truthy(a) then return a end
      return eval(e.right, env)
    end
    return ARITH[op](a, eval(e.right, env))
  end,
  call = function(e, env)
    local fn = BUILTINS[e.name]
    if not fn then eval_error("unknown function " .. e.name) end
    if #e.args ~= fn[1] then
      eval_error(format("%s expects %d arguments, got %d", e.name, fn[1], #e.args))
    end
    local args = {}
    for k, a in ipairs(e.args) do args[k] = eval(a, env) end
    return fn[2](args)
  end,
  let = function(e, env)
    return eval(e.body, extend(env, e.name, eval(e.value, env)))
  end,
  ["if"] = function(e, env)
    if truthy(eval(e.cond, env)) then return eval(e.yes, env) end
    return eval(e.no, env)
  end,
}

eval = function(e, env) return EVAL[e.tag](e, env) end

---------------------------------------------------------------- pretty-printer

-- Prints with the fewest parentheses the parser needs: a node is wrapped when its own
-- precedence is below what its position demands (let and if have precedence 0).
local function prec_of(e)
  if e.tag == "bin" then return BINARY[e.op][1] end
  if e.tag == "un" then return UNARY_PREC end
  if e.tag == "let" or e.tag == "if" then return 0 end
  return 8
end

local show
local function wrap(e, need)
  local s = show(e)
  if prec_of(e) < need then return "(" .. s .. ")" end
  return s
end

show = function(e)
  local tag = e.tag
  if tag == "num" then return e.text
  elseif tag == "var" then return e.name
  elseif tag == "un" then
    local inner = wrap(e.operand, UNARY_PREC)
    if e.op == "not" then return "not " .. inner end
    return "-" .. inner
  elseif tag == "bin" then
    local p, right_assoc = BINARY[e.op][1], BINARY[e.op][2]
    local l = wrap(e.left, right_assoc and p + 1 or p)
    local r = wrap(e.right, right_assoc and p or p + 1)
    return l .. " " .. e.op .. " " .. r
  elseif tag == "call" then
    local parts = {}
    for k, a in ipairs(e.args) do parts[k] = show(a) end
    return e.name .. "(" .. table.concat(parts, ", ") .. ")"
  elseif tag == "let" then
    return "let " .. e.name .. " = " .. show(e.value) .. " in " .. show(e.body)
  end
  return "if " .. show(e.cond) .. " then " .. show(e.yes) .. " else " .. show(e.no)
end

---------------------------------------------------------------- request generation

local seed = 1

local function rand(n)
  seed = (seed * 16807) % 2147483647
  return seed % n
end

local GLOBAL_NAMES = { "a", "b", "c", "x", "y", "n" }
local OPS = { "+", "-", "*", "/", "%", "^", "<", "<=", ">", ">=", "==", "~=", "and", "or",
              "+", "-", "*", "+" }
local CALLS = { { "max", 2 }, { "min", 2 }, { "abs", 1 }, { "floor", 1 }, { "sqrt", 1 },
                { "clamp", 3 } }
local SPACES = { "", " ", "  ", "\t", " \n " }

local function sp() return SPACES[1 + rand(#SPACES)] end

-- Generates source text directly (not an AST) with random spacing and parentheses, so that
-- the lexer and parser see text unlike the printer's; scope lists the names in scope.
local function gen(depth, scope)
  local r = depth <= 0 and rand(3) or rand(12)
  if r == 0 then
    if rand(3) == 0 then return format("%d.%d", rand(20), rand(100)) end
    return format("%d", rand(10))
  elseif r <= 2 then
    return scope[1 + rand(#scope)]
  elseif r <= 6 then
    local op = OPS[1 + rand(#OPS)]
    local right = op == "^" and format("%d", rand(4)) or gen(depth - 1, scope)
    local gap = string.find(op, "^%a") and " " or sp()  -- a word operator needs a space
    return "(" .. sp() .. gen(depth - 1, scope) .. gap .. op .. " " .. right .. sp() .. ")"
  elseif r == 7 then
    return "-" .. sp() .. gen(depth - 1, scope)
  elseif r == 8 then
    local call = CALLS[1 + rand(#CALLS)]
    local args = {}
    for k = 1, call[2] do args[k] = gen(depth - 1, scope) end
    return call[1] .. "(" .. table.concat(args, "," .. sp()) .. ")"
  elseif r == 9 then
    local name = "t" .. rand(5)
    local value = gen(depth - 1, scope)
    local inner = { name }
    for k = 1, #scope do inner[k + 1] = scope[k] end
    return "(let " .. name .. sp() .. "=" .. sp() .. value .. " in " .. gen(depth - 1, inner) .. ")"
  elseif r == 10 then
    return "(if " .. gen(depth - 1, scope) .. " then " .. gen(depth - 1, scope) ..
           " else " .. gen(depth - 1, scope) .. ")"
  end
  return "not " .. gen(depth - 1, scope)
end

-- Malformed inputs and the exact messages they must produce.
local MALFORMED = {
  { "1 +", "parse error at 4 near '<eof>': expression expected" },
  { "(1 + 2", "parse error at 7 near '<eof>': ')' expected" },
  { "let x 1 in x", "parse error at 7 near '1': '=' expected" },
  { "if a then b", "parse error at 12 near '<eof>': 'else' expected" },
  { "max(1,,2)", "parse error at 7 near ',': expression expected" },
  { "3 $ 4", "lex error at 3: unexpected character '$'" },
  { "1 2", "parse error at 3 near '2': end of input expected" },
  { "4. + 1", "lex error at 3: digit expected after '.'" },
  { "max(1, 2", "parse error at 9 near '<eof>': ')' expected to close call of max" },
  { "let = 3 in 4", "parse error at 5 near '=': variable name expected after 'let'" },
  { "q + 1", "eval error: unbound variable q" },
  { "max(1)", "eval error: max expects 2 arguments, got 1" },
  { "sin(1)", "eval error: unknown function sin" },
}

local counts, checksum, digest

local function run_malformed(i)
  for k = 0, 1 do
    local case = MALFORMED[1 + (i * 2 + k) % #MALFORMED]
    local ok, msg = pcall(function() return eval(parse(case[1]), { a = 1.0 }) end)
    if ok then error("parser: malformed input accepted: " .. case[1]) end
    if msg ~= case[2] then
      error(format("parser: for %q expected %q, got %q", case[1], case[2], tostring(msg)))
    end
    counts.rejected = counts.rejected + 1
  end
end

local function run_one(src, env)
  local ast = parse(src)
  local printed = show(ast)
  local ast2 = parse(printed)
  if show(ast2) ~= printed then error("parser: printer is not a fixed point for " .. printed) end
  local ok, v = pcall(eval, ast, env)
  local ok2, v2 = pcall(eval, ast2, env)
  if ok ~= ok2 or (v ~= v2 and v == v) then
    error(format("parser: round trip changed the value of %s", printed))
  end
  counts.parsed = counts.parsed + 1
  counts.chars = counts.chars + #printed
  if not ok then
    counts.errors = counts.errors + 1
    digest = (digest * 7 + #v) % 1000003
  elseif v ~= v or v == math.huge or v == -math.huge then
    counts.nonfinite = counts.nonfinite + 1
  else
    counts.values = counts.values + 1
    -- Clamped so that a few huge values do not swamp everything else in the sum.
    if v > 1e6 then v = 1e6 elseif v < -1e6 then v = -1e6 end
    checksum = checksum + v
  end
end

return {
  requests = 1000,
  setup = function()
    counts = { parsed = 0, values = 0, errors = 0, nonfinite = 0, rejected = 0, chars = 0 }
    checksum, digest = 0, 0
  end,
  request = function(i)
    seed = 1000 + i * 7919
    local env = { a = 1.0 + i % 7, b = 2.5, c = -3.0 + i % 5, x = 0.5 * (i % 9),
                  y = 10.0, n = 1.0 * i }
    for _ = 1, EXPRESSIONS_PER_REQUEST do
      run_one(gen(3, GLOBAL_NAMES), env)
    end
    run_malformed(i)
  end,
  check = function()
    return format("parsed=%d values=%d errors=%d nonfinite=%d rejected=%d chars=%d " ..
                  "sum=%.6f digest=%d", counts.parsed, counts.values, counts.errors,
                  counts.nonfinite, counts.rejected, counts.chars, checksum, digest)
  end,
}
