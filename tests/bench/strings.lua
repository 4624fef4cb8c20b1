-- strings: building strings with table.concat, format, gsub, find, sub and byte.
local parts = {}
local check = 0
local done = 0 -- rounds run so far
local function run() -- one iteration: 4 rounds
  for round = done + 1, done + 4 do
    parts = {}
    for i = 1, 20000 do
      parts[#parts + 1] = string.format("%d:%s;", i, (i % 7 == 0) and "seven" or "item")
    end
    local s = table.concat(parts)
    local replaced, n = s:gsub("item", "it")
    check = check + n + #replaced
    local count = 0
    for word in s:gmatch("(%a+);") do count = count + #word end
    check = check + count
    local pos, hits = 1, 0
    while true do
      local a, b = s:find("seven", pos, true)
      if not a then break end
      hits = hits + 1; pos = b + 1
    end
    check = check + hits
    local acc = 0
    for i = 1, #s, 97 do acc = acc + s:byte(i) end
    check = check + acc + #s:upper():sub(100, 20000) + round
  end
  done = done + 4
end
if BENCH_ITER then
  return {iterations = 40, run = run, check = function() return string.format("strings %d", check) end}
end
for _ = 1, 12 do run() end
local rev = {}
for i = 1, 3000 do rev[i] = tostring(i):reverse() .. string.rep("x", i % 5) end
check = check + #table.concat(rev, ",")
print(string.format("strings %d", check))
