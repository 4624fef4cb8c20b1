-- richards.lua: Martin Richards' operating-system kernel simulation, served as requests.
-- Six tasks (idle, worker, two handlers, two devices) exchange packets through a priority
-- scheduler whose tasks can be running, waiting or held. setup() verifies the published
-- counts of the standard run (count 1000: 2322 packets queued, 928 holds); each request runs
-- a smaller round (count 250) whose counts 594/237 were measured with this code under lua5.4,
-- where it also gives the published 23246/9297 for count 10000. check(): rounds, counts, bytes.

local ID_IDLE, ID_WORKER, ID_HANDLER_A, ID_HANDLER_B, ID_DEVICE_A, ID_DEVICE_B = 1, 2, 3, 4, 5, 6
local KIND_DEVICE, KIND_WORK = 0, 1
local DATA_SIZE = 4
local STANDARD_COUNT, STANDARD_QUEUE, STANDARD_HOLD = 1000, 2322, 928
local ROUND_COUNT, ROUND_QUEUE, ROUND_HOLD = 250, 594, 237

-- Exclusive or of two non-negative integers below 2^16, by arithmetic (no bit operators in 5.1).
local function xor16(a, b)
  local result, bit = 0, 1
  for _ = 1, 16 do
    local abit, bbit = a % 2, b % 2
    if abit ~= bbit then result = result + bit end
    a, b, bit = (a - abit) / 2, (b - bbit) / 2, bit * 2
  end
  return result
end

local Packet = {}
Packet.__index = Packet

local function new_packet(link, id, kind)
  local data = {}
  for k = 1, DATA_SIZE do data[k] = 0 end
  return setmetatable({ link = link, id = id, kind = kind, datum = 0, data = data }, Packet)
end

-- Appends this packet to the queue starting at head; returns the new head.
function Packet:append_to(head)
  self.link = nil
  if head == nil then return self end
  local last = head
  while last.link do last = last.link end
  last.link = self
  return head
end

local Scheduler = {}
Scheduler.__index = Scheduler

local function new_scheduler()
  return setmetatable({ tasks = {}, list = nil, current = nil, current_id = 0,
                        queue_count = 0, hold_count = 0 }, Scheduler)
end

-- A task control block: the run function gets (scheduler, task, packet) and returns the next
-- task to consider.
function Scheduler:add_task(id, priority, queue, fn, state)
  local task = { id = id, priority = priority, queue = queue, fn = fn, state = state,
                 link = self.list, pending = queue ~= nil, waiting = queue ~= nil,
                 held = false }
  self.list = task
  self.tasks[id] = task
  return task
end

local function blocked(task)
  return task.held or (task.waiting and not task.pending)
end

function Scheduler:schedule()
  local task = self.list
  while task do
    if blocked(task) then
      task = task.link
    else
      self.current, self.current_id = task, task.id
      local packet = nil
      if task.waiting and task.pending then
        packet = task.queue
        task.queue = packet.link
        task.waiting = false
        task.pending = task.queue ~= nil
      end
      task = task.fn(self, task.state, packet)
    end
  end
end

function Scheduler:wait()
  self.current.waiting = true
  return self.current
end

function Scheduler:hold_self()
  self.hold_count = self.hold_count + 1
  self.current.held = true
  return self.current.link
end

function Scheduler:release(id)
  local task = self.tasks[id]
  task.held = false
  if task.priority > self.current.priority then return task end
  return self.current
end

-- Sends a packet to the task it names; the receiver runs next if it outranks the sender.
function Scheduler:queue(packet)
  local target = self.tasks[packet.id]
  self.queue_count = self.queue_count + 1
  packet.link = nil
  packet.id = self.current_id
  local sender = self.current
  if target.queue == nil then
    target.queue = packet
    target.pending = true
    if target.priority > sender.priority then return target end
  else
    target.queue = packet:append_to(target.queue)
  end
  return sender
end

local function idle_task(s, state)
  state.count = state.count - 1
  if state.count == 0 then return s:hold_self() end
  local seed = state.seed
  if seed % 2 == 0 then
    state.seed = seed / 2
    return s:release(ID_DEVICE_A)
  end
  state.seed = xor16((seed - 1) / 2, 0xD008)
  return s:release(ID_DEVICE_B)
end

local function worker_task(s, state, packet)
  if packet == nil then return s:wait() end
  state.destination = state.destination == ID_HANDLER_A and ID_HANDLER_B or ID_HANDLER_A
  packet.id = state.destination
  packet.datum = 0
  for k = 1, DATA_SIZE do
    state.letter = state.letter + 1
    if state.letter > 26 then state.letter = 1 end
    packet.data[k] = state.letter
  end
  return s:queue(packet)
end

-- A handler pairs work packets with device packets, sending one byte of work per device packet.
local function handler_task(s, state, packet)
  if packet then
    if packet.kind == KIND_WORK then
      state.work = packet:append_to(state.work)
    else
      state.devices = packet:append_to(state.devices)
    end
  end
  local work = state.work
  if work then
    local index = work.datum
    if index < DATA_SIZE then
      local device = state.devices
      if device then
        state.devices = device.link
        device.datum = work.data[index + 1]
        work.datum = index + 1
        return s:queue(device)
      end
    else
      state.work = work.link
      return s:queue(work)
    end
  end
  return s:wait()
end

local function device_task(s, state, packet)
  if packet == nil then
    local held = state.held
    if held == nil then return s:wait() end
    state.held = nil
    state.served = state.served + held.datum
    return s:queue(held)
  end
  state.held = packet
  return s:hold_self()
end

local function packet_chain(count, id, kind)
  local head = nil
  for _ = 1, count do head = new_packet(head, id, kind) end
  return head
end

-- Builds the six tasks in their classic configuration and runs the scheduler to completion.
local function run_round(count)
  local s = new_scheduler()
  s:add_task(ID_IDLE, 0, nil, idle_task, { count = count, seed = 1 })
  s:add_task(ID_WORKER, 1000, packet_chain(2, 0, KIND_WORK), worker_task,
             { destination = ID_HANDLER_A, letter = 0 })
  s:add_task(ID_HANDLER_A, 2000, packet_chain(3, ID_DEVICE_A, KIND_DEVICE), handler_task, {})
  s:add_task(ID_HANDLER_B, 3000, packet_chain(3, ID_DEVICE_B, KIND_DEVICE), handler_task, {})
  local dev_a = s:add_task(ID_DEVICE_A, 4000, nil, device_task, { served = 0 })
  local dev_b = s:add_task(ID_DEVICE_B, 5000, nil, device_task, { served = 0 })
  dev_a.waiting, dev_b.waiting = true, true
  s:schedule()
  return s.queue_count, s.hold_count, dev_a.state.served + dev_b.state.served
end

local rounds, total_queue, total_hold, total_served

local function expect(what, got, want)
  if got ~= want then
    error(string.format("richards: %s is %d, expected %d", what, got, want))
  end
end

local function setup()
  local queued, held = run_round(STANDARD_COUNT)
  expect("standard queue count", queued, STANDARD_QUEUE)
  expect("standard hold count", held, STANDARD_HOLD)
  rounds, total_queue, total_hold, total_served = 0, 0, 0, 0
end

local function request(i)
  local queued, held, served = run_round(ROUND_COUNT)
  expect("queue count of request " .. i, queued, ROUND_QUEUE)
  expect("hold count of request " .. i, held, ROUND_HOLD)
  rounds = rounds + 1
  total_queue, total_hold = total_queue + queued, total_hold + held
  total_served = total_served + served
end

local function check()
  return string.format("rounds=%d queued=%d held=%d served=%d", rounds, total_queue,
                       total_hold, total_served)
end

return { requests = 1000, setup = setup, request = request, check = check }
