-- deltablue.lua: the DeltaBlue incremental constraint solver (Freeman-Benson, Maloney and
-- Borning, CACM 1990) serving requests: variables, stay/edit/equality/scale constraints with a
-- strength hierarchy, walkabout strengths, incremental add/remove, plan extraction and execution.
-- Each request runs the chain test (a 25-link equality chain driven by an edit at one end) and
-- the projection test (25 scaled source/destination pairs re-solved after edits), raising an
-- error on a wrong value. check(): requests, constraints built, plan steps, value checksum.

local CHAIN_N, PROJECTION_N = 25, 25

-- Strengths, strongest first; a constraint only overrides strictly weaker ones.
local REQUIRED, STRONG_PREFERRED, PREFERRED, STRONG_DEFAULT, NORMAL, WEAK_DEFAULT, WEAKEST =
  0, 1, 2, 3, 4, 5, 6

local function stronger(a, b) return a < b end
local function weaker(a, b) return a > b end
local function weakest_of(a, b) if weaker(a, b) then return a end return b end

local stats = { constraints = 0, plan_steps = 0, checksum = 0 }

------------------------------------------------------------------------ variables

local Variable = {}
Variable.__index = Variable

local function new_variable(name, value)
  return setmetatable({ name = name, value = value, constraints = {}, determined_by = nil,
                        mark = 0, walk_strength = WEAKEST, stay = true }, Variable)
end

function Variable:add_constraint(c)
  self.constraints[#self.constraints + 1] = c
end

function Variable:remove_constraint(c)
  local list = self.constraints
  for k = #list, 1, -1 do
    if list[k] == c then table.remove(list, k) end
  end
  if self.determined_by == c then self.determined_by = nil end
end

------------------------------------------------------------------------ constraints

-- Behaviour shared by every constraint; subclasses supply the graph and direction methods.
local Constraint = {}
Constraint.__index = Constraint

local function subclass(parent)
  local class = setmetatable({}, { __index = parent })
  class.__index = class
  return class
end

function Constraint:is_input() return false end

-- Picks a direction for this constraint; returns the constraint it displaced, if any.
function Constraint:satisfy(planner, mark)
  self:choose_method(mark)
  if not self:is_satisfied() then
    if self.strength == REQUIRED then error("deltablue: could not satisfy a required constraint") end
    return nil
  end
  self:mark_inputs(mark)
  local out = self:output()
  local overridden = out.determined_by
  if overridden then overridden:mark_unsatisfied() end
  out.determined_by = self
  if not planner:add_propagate(self, mark) then error("deltablue: cycle encountered") end
  out.mark = mark
  return overridden
end

function Constraint:destroy(planner)
  if self:is_satisfied() then
    planner:incremental_remove(self)
  else
    self:remove_from_graph()
  end
end

local function install(c, planner)
  stats.constraints = stats.constraints + 1
  c:add_to_graph()
  planner:incremental_add(c)
  return c
end

-- Unary constraints fix or feed a single variable.
local Unary = subclass(Constraint)

local function new_unary(class, variable, strength, planner)
  return install(setmetatable({ target = variable, strength = strength, satisfied = false },
                              class), planner)
end

function Unary:add_to_graph()
  self.target:add_constraint(self)
  self.satisfied = false
end

function Unary:remove_from_graph()
  self.target:remove_constraint(self)
  self.satisfied = false
end

function Unary:choose_method(mark)
  local target = self.target
  self.satisfied = target.mark ~= mark and stronger(self.strength, target.walk_strength)
end

function Unary:is_satisfied() return self.satisfied end
function Unary:mark_unsatisfied() self.satisfied = false end
function Unary:mark_inputs() end
function Unary:output() return self.target end
function Unary:inputs_known() return true end
function Unary:execute() end

function Unary:recalculate()
  local target = self.target
  target.walk_strength = self.strength
  target.stay = not self:is_input()
  if target.stay then self:execute() end
end

-- A stay keeps its variable's value; an edit lets the program set it from outside.
local Stay = subclass(Unary)
local Edit = subclass(Unary)
function Edit:is_input() return true end

-- Binary constraints relate two variables and can be solved in either direction.
local FORWARD, BACKWARD, NONE = 1, 2, 0
local Binary = subclass(Constraint)

local function binary_fields(class, v1, v2, strength)
  return setmetatable({ v1 = v1, v2 = v2, strength = strength, direction = NONE }, class)
end

function Binary:add_to_graph()
  self.v1:add_constraint(self)
  self.v2:add_constraint(self)
  self.direction = NONE
end

function Binary:remove_from_graph()
  self.v1:remove_constraint(self)
  self.v2:remove_constraint(self)
  self.direction = NONE
end

-- Writes the variable that is not yet determined in this pass and is the weaker of the two.
function Binary:choose_method(mark)
  local v1, v2, strength = self.v1, self.v2, self.strength
  local direction = NONE
  if v1.mark == mark then
    if v2.mark ~= mark and stronger(strength, v2.walk_strength) then direction = FORWARD end
  elseif v2.mark == mark then
    if stronger(strength, v1.walk_strength) then direction = BACKWARD end
  elseif weaker(v1.walk_strength, v2.walk_strength) then
    if stronger(strength, v1.walk_strength) then direction = BACKWARD end
  elseif stronger(strength, v2.walk_strength) then
    direction = FORWARD
  end
  self.direction = direction
end

function Binary:is_satisfied() return self.direction ~= NONE end
function Binary:mark_unsatisfied() self.direction = NONE end
function Binary:input() if self.direction == FORWARD then return self.v1 end return self.v2 end
function Binary:output() if self.direction == FORWARD then return self.v2 end return self.v1 end
function Binary:mark_inputs(mark) self:input().mark = mark end

function Binary:inputs_known(mark)
  local input = self:input()
  return input.mark == mark or input.stay or input.determined_by == nil
end

function Binary:recalculate()
  local input, out = self:input(), self:output()
  out.walk_strength = weakest_of(self.strength, input.walk_strength)
  out.stay = input.stay
  if out.stay then self:execute() end
end

local Equality = subclass(Binary)

function Equality:execute()
  self:output().value = self:input().value
end

-- dest = src * scale + offset, where scale and offset are read-only inputs.
local Scale = subclass(Binary)

local function new_scale(src, scale, offset, dest, strength, planner)
  local c = binary_fields(Scale, src, dest, strength)
  c.scale, c.offset = scale, offset
  return install(c, planner)
end

function Scale:add_to_graph()
  Binary.add_to_graph(self)
  self.scale:add_constraint(self)
  self.offset:add_constraint(self)
end

function Scale:remove_from_graph()
  Binary.remove_from_graph(self)
  self.scale:remove_constraint(self)
  self.offset:remove_constraint(self)
end

function Scale:mark_inputs(mark)
  Binary.mark_inputs(self, mark)
  self.scale.mark, self.offset.mark = mark, mark
end

function Scale:execute()
  local scale, offset = self.scale.value, self.offset.value
  if self.direction == FORWARD then
    self.v2.value = self.v1.value * scale + offset
  else
    self.v1.value = (self.v2.value - offset) / scale
  end
end

function Scale:recalculate()
  local input, out = self:input(), self:output()
  out.walk_strength = weakest_of(self.strength, input.walk_strength)
  out.stay = input.stay and self.scale.stay and self.offset.stay
  if out.stay then self:execute() end
end

------------------------------------------------------------------------ planner

local Planner = {}
Planner.__index = Planner

local function new_planner()
  return setmetatable({ current_mark = 0 }, Planner)
end

function Planner:new_mark()
  self.current_mark = self.current_mark + 1
  return self.current_mark
end

-- Satisfies c, then re-satisfies whatever it displaced, until nothing is displaced.
function Planner:incremental_add(c)
  local mark = self:new_mark()
  local overridden = c:satisfy(self, mark)
  while overridden do overridden = overridden:satisfy(self, mark) end
end

-- Removes c and gives the constraints it may have blocked a chance, strongest first.
function Planner:incremental_remove(c)
  local out = c:output()
  c:mark_unsatisfied()
  c:remove_from_graph()
  local unsatisfied = self:remove_propagate_from(out)
  for strength = REQUIRED, WEAKEST do
    for k = 1, #unsatisfied do
      local u = unsatisfied[k]
      if u.strength == strength and not u:is_satisfied() then self:incremental_add(u) end
    end
  end
end

local function add_constraints_consuming_to(v, list)
  local determining = v.determined_by
  local constraints = v.constraints
  for k = 1, #constraints do
    local c = constraints[k]
    if c ~= determining and c:is_satisfied() then list[#list + 1] = c end
  end
end

-- Recomputes walkabout strengths downstream of c; fails if that walk reaches c's output again.
function Planner:add_propagate(c, mark)
  local todo = { c }
  while #todo > 0 do
    local d = table.remove(todo)
    if d:output().mark == mark then
      self:incremental_remove(c)
      return false
    end
    d:recalculate()
    add_constraints_consuming_to(d:output(), todo)
  end
  return true
end

-- Frees out and recomputes everything downstream; returns the unsatisfied constraints met.
function Planner:remove_propagate_from(out)
  out.determined_by, out.walk_strength, out.stay = nil, WEAKEST, true
  local unsatisfied, todo = {}, { out }
  while #todo > 0 do
    local v = table.remove(todo)
    local constraints = v.constraints
    for k = 1, #constraints do
      local c = constraints[k]
      if not c:is_satisfied() then unsatisfied[#unsatisfied + 1] = c end
    end
    local determining = v.determined_by
    for k = 1, #constraints do
      local c = constraints[k]
      if c ~= determining and c:is_satisfied() then
        c:recalculate()
        todo[#todo + 1] = c:output()
      end
    end
  end
  return unsatisfied
end

-- A plan lists constraints in an order where each one's inputs are computed before it runs.
local Plan = {}
Plan.__index = Plan

function Plan:execute()
  for k = 1, #self do self[k]:execute() end
end

function Planner:make_plan(sources)
  local mark = self:new_mark()
  local plan, todo, head = setmetatable({}, Plan), {}, 1
  for k = 1, #sources do todo[k] = sources[k] end
  while head <= #todo do
    local c = todo[head]
    head = head + 1
    local out = c:output()
    if out.mark ~= mark and c:inputs_known(mark) then
      plan[#plan + 1] = c
      out.mark = mark
      add_constraints_consuming_to(out, todo)
    end
  end
  stats.plan_steps = stats.plan_steps + #plan
  return plan
end

function Planner:extract_plan(constraints)
  local sources = {}
  for k = 1, #constraints do
    local c = constraints[k]
    if c:is_input() and c:is_satisfied() then sources[#sources + 1] = c end
  end
  return self:make_plan(sources)
end

------------------------------------------------------------------------ tests

local function expect(what, got, want)
  if got ~= want then
    error(string.format("deltablue: %s is %.6f, expected %.6f", what, got, want))
  end
  stats.checksum = stats.checksum + got
end

-- A chain v0 = v1 = ... = vn held by a stay at the far end, driven by an edit at v0.
local function chain_test(n, base)
  local planner = new_planner()
  local first, last, previous
  for k = 0, n do
    local v = new_variable("v" .. k, 0)
    if previous then install(binary_fields(Equality, previous, v, REQUIRED), planner) end
    if k == 0 then first = v end
    if k == n then last = v end
    previous = v
  end
  new_unary(Stay, last, STRONG_DEFAULT, planner)
  local edit = new_unary(Edit, first, PREFERRED, planner)
  local plan = planner:extract_plan({ edit })
  for k = 0, 99 do
    first.value = base + k
    plan:execute()
    expect("chain end", last.value, base + k)
  end
  edit:destroy(planner)
end

-- Sets v through a temporary edit constraint, re-running the extracted plan a few times.
local function change(planner, v, value)
  local edit = new_unary(Edit, v, PREFERRED, planner)
  local plan = planner:extract_plan({ edit })
  for _ = 1, 10 do
    v.value = value
    plan:execute()
  end
  edit:destroy(planner)
end

-- n pairs dst = src * scale + offset; edits on src, dst, scale and offset must propagate.
local function projection_test(n, nudge)
  local planner = new_planner()
  local scale, offset = new_variable("scale", 10), new_variable("offset", 1000)
  local src, dst
  local dests = {}
  for k = 0, n - 1 do
    src, dst = new_variable("src" .. k, k), new_variable("dst" .. k, k)
    dests[k + 1] = dst
    new_unary(Stay, src, NORMAL, planner)
    new_scale(src, scale, offset, dst, REQUIRED, planner)
  end
  change(planner, src, 17 + nudge)
  expect("projection 1", dst.value, (17 + nudge) * 10 + 1000)
  change(planner, dst, 1050 + nudge * 10)
  expect("projection 2", src.value, 5 + nudge)
  change(planner, scale, 5)
  for k = 0, n - 2 do expect("projection 3", dests[k + 1].value, k * 5 + 1000) end
  expect("projection 3 last", dst.value, (5 + nudge) * 5 + 1000)
  change(planner, offset, 2000)
  for k = 0, n - 2 do expect("projection 4", dests[k + 1].value, k * 5 + 2000) end
  expect("projection 4 last", dst.value, (5 + nudge) * 5 + 2000)
end

local requests_served

local function setup()
  stats.constraints, stats.plan_steps, stats.checksum = 0, 0, 0
  requests_served = 0
end

local function request(i)
  chain_test(CHAIN_N, i)
  projection_test(PROJECTION_N, i % 5)
  requests_served = requests_served + 1
end

local function check()
  return string.format("requests=%d constraints=%d plan_steps=%d checksum=%d", requests_served,
                       stats.constraints, stats.plan_steps, math.floor(stats.checksum))
end

return { requests = 1000, setup = setup, request = request, check = check }
