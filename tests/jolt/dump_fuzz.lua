-- Corrupted binary chunks: random byte changes, truncations, insertions and deletions in
-- string.dump's output must make load fail with a message, or give a function that runs
-- (here in an empty sandbox, under an instruction budget) without crashing the runtime.
-- Usage: jolt dump_fuzz.lua [mutations per chunk] [seed]
local rounds = tonumber(arg and arg[1]) or 60
math.randomseed(tonumber(arg and arg[2]) or 42)

local corpus = {
  function(a, b) return a + b * 2 - a // (b | 1), a .. "", #tostring(a) end,
  function(n) local t = {} for i = 1, n do t[i] = i * i end return #t, t[n] end,
  function(...) local t = {...} return select("#", ...), t[1], ... end,
  function(x) local s = 0 for k, v in pairs({a = 1, b = 2, x}) do s = s + v end return s end,
  function(n) local function f(k) if k < 2 then return k end return f(k - 1) + f(k - 2) end
    return f(n) end,
  function(t) t = t or {} t.x = {y = {z = 1}} return t.x.y.z, t["x"], rawlen({1, 2}) end,
  function(a) local c = 0 while a > 0 do a = a - 1 if a % 2 == 0 then goto skip end
    c = c + 1 ::skip:: end return c end,
  function(a) local u = a local function g() u = (u or 0) + 1 return u end return g(), g() end,
  function(s) return s == "x", s ~= 1, s and 1 or 2, not s, -(#(s or "")), ~1, 1.5 // 1 end,
  function() local x <close> = nil local t = setmetatable({}, {__index = function() return 7 end})
    return t.foo, t[1] end,
  function(o) return o:find("b"), ("%d"):format(3) end,
  function(a, ...) return {a, {a}, n = 3, ...}, {...} end,
}

local budget = 0
-- out of budget: raise, and leave a little for the way back to the pcall (the sandbox has no
-- pcall of its own, so the error gets there); never in this main chunk, which runs a moment
-- under the hook between the pcall and debug.sethook()
local main = debug.getinfo(1, "f").func
local function hook()
  budget = budget - 1
  if budget < 0 and debug.getinfo(2, "f").func ~= main then
    budget = 100
    error("budget")
  end
end
local env = {pairs = pairs, select = select, setmetatable = setmetatable, rawlen = rawlen,
             tostring = tostring, type = type, error = error}
local args = {{3, 4}, {5}, {1, 2, 3}, {1}, {10}, {}, {9}, {1}, {"x"}, {}, {"abc"}, {1, 2, 3}}

local function mutate(s)
  local kind = math.random(4)
  local pos = math.random(#s)
  if kind == 1 then        -- flip one to three bytes
    for _ = 1, math.random(3) do
      pos = math.random(#s)
      s = s:sub(1, pos - 1) .. string.char(math.random(0, 255)) .. s:sub(pos + 1)
    end
    return s
  elseif kind == 2 then    -- truncate
    return s:sub(1, pos - 1)
  elseif kind == 3 then    -- insert a byte
    return s:sub(1, pos) .. string.char(math.random(0, 255)) .. s:sub(pos + 1)
  else                     -- delete a run of bytes
    return s:sub(1, pos - 1) .. s:sub(pos + math.random(8))
  end
end

local loaded, refused, ran, raised, silent = 0, 0, 0, 0, 0
for i, f in ipairs(corpus) do
  for _, strip in ipairs({false, true}) do
    local d = string.dump(f, strip)
    for _ = 1, rounds do
      local g, err = load(mutate(d), "=fuzz", "b", env)
      if g then
        loaded = loaded + 1
        budget = 200
        debug.sethook(hook, "", 10)
        local ok = pcall(g, table.unpack(args[i]))
        debug.sethook()
        if ok then ran = ran + 1 else raised = raised + 1 end
      elseif type(err) == "string" and (err:find("^fuzz: bad binary format %(") or
                                        err == "attempt to load a text chunk (mode is 'b')") then
        refused = refused + 1
      else
        silent = silent + 1
        print("unexpected load result", err)
      end
    end
  end
end
print("mutations", loaded + refused + silent == #corpus * 2 * rounds)
print("refused with a message or loaded", silent == 0, refused > 0)
print("loaded functions ran or raised", ran + raised == loaded)
