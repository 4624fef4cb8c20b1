-- meta_index_hints.lua: method lookups through __index tables while the classes change under
-- them: methods replaced, removed (found in the superclass again), classes growing past the
-- linear-scan size and into dictionary mode, __index switched to another table, to a
-- function and removed, and one call site seeing several classes in turn.
local Base = {}
Base.__index = Base
function Base.who() return "base" end
function Base.size() return 1 end
for k = 1, 90 do Base["m" .. k] = function() return -k end end
local Derived = setmetatable({}, Base)
Derived.__index = Derived
function Derived.who() return "derived" end

local function call(objs, name)
  local out = {}
  for i = 1, #objs do out[#out + 1] = objs[i][name](objs[i]) end
  return table.concat(out, " ")
end

local objs = {}
for i = 1, 6 do objs[i] = setmetatable({ i = i }, i % 2 == 0 and Derived or Base) end
local function rounds(label, name)
  local r
  for _ = 1, 300 do r = call(objs, name) end   -- hot: the JIT and the site hints see it
  print(label, r)
end

rounds("start", "who")
rounds("inherited", "size")
Derived.size = function() return 2 end
rounds("override added", "size")
Derived.who = nil
rounds("override removed", "who")
for k = 1, 20 do Derived["m" .. k] = function() return k end end   -- past linear scan
rounds("grown", "size")
rounds("grown new", "m17")
for k = 21, 90 do Derived["m" .. k] = function() return k end end  -- dictionary mode
rounds("dictionary", "m80")
rounds("dictionary inherited", "who")

local Other = { who = function() return "other" end, size = function() return 3 end }
Derived.__index = Other
rounds("__index switched", "who")
Derived.__index = function(_, k) return function() return "fn " .. k end end
rounds("__index function", "who")
Derived.__index = nil
print("__index removed", pcall(call, objs, "who"))
Derived.__index = Derived
rounds("__index back", "size")

-- A metatable whose __index moves to another slot (the table is rebuilt around it).
local mt = { a = 1, b = 2, __index = { f = function() return "f1" end } }
local o = setmetatable({}, mt)
local function callf(x) local r for _ = 1, 200 do r = x.f() end return r end
print("slot", callf(o))
mt.__index = nil
mt.a, mt.b = nil, nil
for k = 1, 70 do mt["k" .. k] = k end
mt.__index = { f = function() return "f2" end }
print("moved", callf(o))
