-- debug: activelines and line hook events of loops, branches and multi-line returns
local function f(a, b)
  local t = {}
  for i = 1, a do
    if i % 2 == 0 then
      t[#t + 1] = i
    else
      b = b + i
    end
  end
  while b > 10 do b = b - 3 end
  return t,
    b
end
local function g(...)
  local x = select("#", ...)
  return x
end
for _, fn in ipairs{f, g} do
  local ls = {}
  for l in pairs(debug.getinfo(fn, "L").activelines) do ls[#ls + 1] = l end
  table.sort(ls)
  print(table.concat(ls, " "))
end
local ev = {}
debug.sethook(function(e, l) ev[#ev + 1] = l end, "l")
f(3, 20)
debug.sethook()
print(table.concat(ev, " "))
