-- nbody.lua: the Benchmarks Game n-body simulation of the Sun and the four Jovian planets,
-- served as requests. setup() places the bodies, offsets the Sun's momentum and verifies the
-- published initial energy -0.169075164; each request advances the system 250 steps (dt 0.01)
-- with the symplectic integrator and records its energy, verifying the published -0.169087605
-- after 1000 steps. check(): steps, first and last energies (%.9f) and their sum.

local PI = 3.141592653589793
local SOLAR_MASS = 4 * PI * PI
local DAYS_PER_YEAR = 365.24
local STEPS_PER_REQUEST, DT = 250, 0.01

local Body = {}
Body.__index = Body

-- Positions in AU, velocities in AU per day (scaled to per year), masses in Earth-Sun units.
local function new_body(name, x, y, z, vx, vy, vz, mass)
  return setmetatable({ name = name, x = x, y = y, z = z, vx = vx * DAYS_PER_YEAR,
                        vy = vy * DAYS_PER_YEAR, vz = vz * DAYS_PER_YEAR,
                        mass = mass * SOLAR_MASS }, Body)
end

function Body:kinetic_energy()
  return 0.5 * self.mass * (self.vx * self.vx + self.vy * self.vy + self.vz * self.vz)
end

function Body:distance_to(other)
  local dx, dy, dz = self.x - other.x, self.y - other.y, self.z - other.z
  return math.sqrt(dx * dx + dy * dy + dz * dz)
end

local function jovian_system()
  return {
    new_body("sun", 0, 0, 0, 0, 0, 0, 1),
    new_body("jupiter", 4.84143144246472090e+00, -1.16032004402742839e+00,
             -1.03622044471123109e-01, 1.66007664274403694e-03, 7.69901118419740425e-03,
             -6.90460016972063023e-05, 9.54791938424326609e-04),
    new_body("saturn", 8.34336671824457987e+00, 4.12479856412430479e+00,
             -4.03523417114321381e-01, -2.76742510726862411e-03, 4.99852801234917238e-03,
             2.30417297573763929e-05, 2.85885980666130812e-04),
    new_body("uranus", 1.28943695621391310e+01, -1.51111514016986312e+01,
             -2.23307578892655734e-01, 2.96460137564761618e-03, 2.37847173959480950e-03,
             -2.96589568540237556e-05, 4.36624404335156298e-05),
    new_body("neptune", 1.53796971148509165e+01, -2.59193146099879641e+01,
             1.79258772950371181e-01, 2.68067772490389322e-03, 1.62824170038242295e-03,
             -9.51592254519715870e-05, 5.15138902046611451e-05),
  }
end

-- Gives the Sun the velocity that makes the system's total momentum zero.
local function offset_momentum(bodies)
  local px, py, pz = 0, 0, 0
  for k = 1, #bodies do
    local b = bodies[k]
    px, py, pz = px + b.vx * b.mass, py + b.vy * b.mass, pz + b.vz * b.mass
  end
  local sun = bodies[1]
  sun.vx, sun.vy, sun.vz = -px / SOLAR_MASS, -py / SOLAR_MASS, -pz / SOLAR_MASS
end

local function energy(bodies)
  local e = 0
  for k = 1, #bodies do
    local b = bodies[k]
    e = e + b:kinetic_energy()
    for j = k + 1, #bodies do
      local other = bodies[j]
      e = e - b.mass * other.mass / b:distance_to(other)
    end
  end
  return e
end

-- One step: update every pair's velocities from their attraction, then move every body.
local function advance(bodies, dt)
  local n = #bodies
  for k = 1, n do
    local b = bodies[k]
    local bx, by, bz, bmass = b.x, b.y, b.z, b.mass
    local bvx, bvy, bvz = b.vx, b.vy, b.vz
    for j = k + 1, n do
      local other = bodies[j]
      local dx, dy, dz = bx - other.x, by - other.y, bz - other.z
      local d2 = dx * dx + dy * dy + dz * dz
      local magnitude = dt / (d2 * math.sqrt(d2))
      local bm, om = bmass * magnitude, other.mass * magnitude
      bvx, bvy, bvz = bvx - dx * om, bvy - dy * om, bvz - dz * om
      other.vx, other.vy, other.vz = other.vx + dx * bm, other.vy + dy * bm, other.vz + dz * bm
    end
    b.vx, b.vy, b.vz = bvx, bvy, bvz
  end
  for k = 1, n do
    local b = bodies[k]
    b.x, b.y, b.z = b.x + dt * b.vx, b.y + dt * b.vy, b.z + dt * b.vz
  end
end

local function format9(x) return string.format("%.9f", x) end

local function expect_energy(what, e, published)
  if format9(e) ~= published then
    error("nbody: " .. what .. " energy is " .. format9(e) .. ", expected " .. published)
  end
end

local bodies, steps, energies

local function setup()
  bodies = jovian_system()
  offset_momentum(bodies)
  expect_energy("initial", energy(bodies), "-0.169075164")
  steps, energies = 0, {}
end

local function request(i)
  for _ = 1, STEPS_PER_REQUEST do advance(bodies, DT) end
  steps = steps + STEPS_PER_REQUEST
  local e = energy(bodies)
  if steps == 1000 then expect_energy("1000-step", e, "-0.169087605") end
  -- The integrator conserves energy closely; a drift means a broken step.
  if math.abs(e + 0.16908) > 0.0001 then
    error("nbody: energy " .. format9(e) .. " drifted at request " .. i)
  end
  energies[#energies + 1] = e
end

local function check()
  local sum = 0
  for k = 1, #energies do sum = sum + energies[k] end
  return string.format("steps=%d first=%s last=%s sum=%s", steps, format9(energies[1]),
                       format9(energies[#energies]), format9(sum))
end

return { requests = 1000, setup = setup, request = request, check = check }
