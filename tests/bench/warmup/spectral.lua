-- spectral.lua: the Benchmarks Game spectral norm, served as requests.
-- The infinite matrix A(i,j) = 1/((i+j)(i+j+1)/2+i+1) (0-based) has spectral norm about 1.2742;
-- the power method on A^T A estimates it from an n-by-n corner. setup() verifies the published
-- 1.274219991 for n = 100; each request estimates it for n = 20 from a start vector that varies
-- with i, checks it is within 0.0005 of 1.2742, and records it. check(): count, first/last, sum.

local REQUEST_N, PUBLISHED_N, PUBLISHED_NORM = 20, 100, "1.274219991"
local ITERATIONS = 10

local function entry(i, j)
  local s = i + j
  return 1 / (s * (s + 1) / 2 + i + 1)
end

-- out = A u (transposed: out = A^T u), for vectors indexed 1..n holding rows 0..n-1.
local function times(n, u, out, transposed)
  for i = 0, n - 1 do
    local sum = 0
    for j = 0, n - 1 do
      local a = transposed and entry(j, i) or entry(i, j)
      sum = sum + a * u[j + 1]
    end
    out[i + 1] = sum
  end
end

local function times_transposed_times(n, u, out, scratch)
  times(n, u, scratch, false)
  times(n, scratch, out, true)
end

local function dot(n, a, b)
  local sum = 0
  for k = 1, n do sum = sum + a[k] * b[k] end
  return sum
end

-- Runs the power method from start vector u and returns sqrt(v.(A^T A v) / v.v).
local function spectral_norm(n, u)
  local v, scratch = {}, {}
  for _ = 1, ITERATIONS do
    times_transposed_times(n, u, v, scratch)
    times_transposed_times(n, v, u, scratch)
  end
  return math.sqrt(dot(n, u, v) / dot(n, v, v))
end

local function ones(n)
  local u = {}
  for k = 1, n do u[k] = 1 end
  return u
end

-- A positive start vector that differs from request to request without changing the work.
local function start_vector(n, i)
  local u = {}
  for k = 1, n do u[k] = 1 + ((i * 7 + k * 3) % 11) / 10 end
  return u
end

local norms

local function setup()
  local published = string.format("%.9f", spectral_norm(PUBLISHED_N, ones(PUBLISHED_N)))
  if published ~= PUBLISHED_NORM then
    error("spectral: norm for n=100 is " .. published .. ", expected " .. PUBLISHED_NORM)
  end
  norms = {}
end

local function request(i)
  local norm = spectral_norm(REQUEST_N, start_vector(REQUEST_N, i))
  if math.abs(norm - 1.2742) > 0.0005 then
    error(string.format("spectral: request %d norm %.9f did not converge to 1.2742", i, norm))
  end
  norms[#norms + 1] = norm
end

local function check()
  local sum = 0
  for k = 1, #norms do sum = sum + norms[k] end
  return string.format("norms=%d first=%.9f last=%.9f sum=%.9f", #norms, norms[1],
                       norms[#norms], sum)
end

return { requests = 1000, setup = setup, request = request, check = check }
