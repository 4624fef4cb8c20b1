-- expect-differ: lua5.4 5.4.4 reports integer '//' and '%' by zero at a stale line (the function's)
-- The right line is the operator's; jolt reports it (compare with lang_bug544_modline.expected).
local zero = 0
local function mod(a)
  local x = a + 1
  return x % zero
end
local function idiv(a)
  local x = a * 2
  return x // zero
end
print(pcall(mod, 1))
print(pcall(idiv, 1))
