-- oop: objects with metatables, method calls, inheritance and metamethods.
local Vec = {}
Vec.__index = Vec
function Vec.new(x, y) return setmetatable({x = x, y = y}, Vec) end
function Vec:add(o) return Vec.new(self.x + o.x, self.y + o.y) end
function Vec:scale(k) return Vec.new(self.x * k, self.y * k) end
function Vec:dot(o) return self.x * o.x + self.y * o.y end
Vec.__add = function(a, b) return a:add(b) end
Vec.__eq = function(a, b) return a.x == b.x and a.y == b.y end

local Shape = {}
Shape.__index = Shape
function Shape.new(name) return setmetatable({name = name, moves = 0}, Shape) end
function Shape:move(d) self.pos = (self.pos or Vec.new(0, 0)) + d; self.moves = self.moves + 1 end
function Shape:area() return 0 end
local Rect = setmetatable({}, {__index = Shape})
Rect.__index = Rect
function Rect.new(w, h) local r = Shape.new("rect"); r.w, r.h = w, h; return setmetatable(r, Rect) end
function Rect:area() return self.w * self.h end
local Circle = setmetatable({}, {__index = Shape})
Circle.__index = Circle
function Circle.new(r) local c = Shape.new("circle"); c.r = r; return setmetatable(c, Circle) end
function Circle:area() return 3 * self.r * self.r end

local shapes = {}
for i = 1, 100 do shapes[i] = (i % 2 == 0) and Rect.new(i % 7 + 1, i % 5 + 1) or Circle.new(i % 9 + 1) end
local total, same = 0, 0
local step = Vec.new(1, 2)
local done = 0 -- rounds run so far
local function run() -- one iteration: 4000 rounds
  for round = done + 1, done + 4000 do
    for i = 1, #shapes do
      local s = shapes[i]
      total = total + s:area()
      if round % 10 == 0 then s:move(step:scale(i % 3)) end
    end
    if Vec.new(round % 3, 0) == Vec.new(0, 0) then same = same + 1 end
  end
  done = done + 4000
end
local function result()
  local d = 0
  for i = 1, #shapes do local p = shapes[i].pos d = d + p:dot(step) + shapes[i].moves end
  return string.format("oop %d %d %d", total, same, d)
end
if BENCH_ITER then return {iterations = 30, run = run, check = result} end
for _ = 1, 15 do run() end
print(result())
