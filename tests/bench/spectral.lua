-- spectral: spectral norm of an infinite matrix; float arithmetic, array loops, small calls.
local function A(i, j)
  local ij = i + j - 1
  return 1.0 / (ij * (ij - 1) * 0.5 + i)
end
local function Av(x, y, N)
  for i = 1, N do
    local a = 0
    for j = 1, N do a = a + x[j] * A(i, j) end
    y[i] = a
  end
end
local function Atv(x, y, N)
  for i = 1, N do
    local a = 0
    for j = 1, N do a = a + x[j] * A(j, i) end
    y[i] = a
  end
end
local function AtAv(x, y, t, N) Av(x, t, N); Atv(t, y, N) end
local N = 600
local u, v, t = {}, {}, {}
for i = 1, N do u[i] = 1 end
local function run() AtAv(u, v, t, N); AtAv(v, u, t, N) end -- one iteration
local function norm()
  local vBv, vv = 0, 0
  for i = 1, N do
    local ui, vi = u[i], v[i]
    vBv = vBv + ui * vi; vv = vv + vi * vi
  end
  return string.format("spectral %0.9f", math.sqrt(vBv / vv))
end
if BENCH_ITER then -- u restarts from ones every 10 iterations, before its entries overflow
  return {iterations = 30, check = norm, run = function(it)
    if it % 10 == 1 then for i = 1, N do u[i] = 1 end end
    run()
  end}
end
for _ = 1, 10 do run() end
print(norm())
