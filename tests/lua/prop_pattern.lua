-- property: string.find agrees with a naive backtracking matcher written here from the manual,
-- over random patterns (single-character classes with * + - ?, anchors, captures, position
-- captures, back references) and random subjects over a small alphabet
math.randomseed(99)

-- the reference: a pattern is a list of items, each a class with a quantifier, a capture open
-- or close, a position capture or a back reference
local function classof(text)
  if text == "." then return function() return true end end
  if text == "%a" then return function(c) return c:match("^[%a]$") ~= nil end end
  if text == "%." then return function(c) return c == "." end end
  local neg, body = text:match("^%[(%^?)(.*)%]$")
  if body then
    return function(c)
      local hit = false
      local i = 1
      while i <= #body do
        if body:sub(i + 1, i + 1) == "-" and i + 2 <= #body then
          hit = hit or (body:sub(i, i) <= c and c <= body:sub(i + 2, i + 2)); i = i + 3
        else
          hit = hit or body:sub(i, i) == c; i = i + 1
        end
      end
      return hit ~= (neg == "^")
    end
  end
  return function(c) return c == text end
end

local function refmatch(s, items, anchorend)
  local caps = {}
  local function m(si, k)
    local it = items[k]
    if not it then
      if anchorend and si ~= #s + 1 then return nil end
      return si
    end
    if it.kind == "open" or it.kind == "pos" then
      caps[#caps + 1] = {si, it.kind == "pos" and "pos" or "open"}
      local r = m(si, k + 1)
      if not r then caps[#caps] = nil end
      return r
    elseif it.kind == "close" then
      local l = #caps
      while caps[l][2] ~= "open" do l = l - 1 end
      caps[l][2] = si - caps[l][1]
      local r = m(si, k + 1)
      if not r then caps[l][2] = "open" end
      return r
    elseif it.kind == "back" then
      local c = caps[it.n]
      local sub = s:sub(c[1], c[1] + c[2] - 1)
      if s:sub(si, si + #sub - 1) ~= sub then return nil end
      return m(si + #sub, k + 1)
    end
    local function ok(i) return i <= #s and it.class(s:sub(i, i)) end
    local q = it.q
    if q == "" then return ok(si) and m(si + 1, k + 1) or nil end
    if q == "?" then
      if ok(si) then local r = m(si + 1, k + 1) if r then return r end end
      return m(si, k + 1)
    end
    local n = 0
    while ok(si + n) do n = n + 1 end
    local lo = q == "+" and 1 or 0
    if q == "-" then
      for j = lo, n do local r = m(si + j, k + 1) if r then return r end end
    else
      for j = n, lo, -1 do local r = m(si + j, k + 1) if r then return r end end
    end
    return nil
  end
  return m, caps
end

local function reffind(s, items, anchor, anchorend, init)
  if init < 0 then init = math.max(#s + init + 1, 1) elseif init == 0 then init = 1 end
  if init > #s + 1 then return nil end
  for start = init, anchor and init or #s + 1 do
    local m, caps = refmatch(s, items, anchorend)
    local e = m(start, 1)
    if e then
      local r = {start, e - 1}
      for i, c in ipairs(caps) do
        r[#r + 1] = c[2] == "pos" and c[1] or s:sub(c[1], c[1] + c[2] - 1)
      end
      return table.unpack(r)
    end
  end
  return nil
end

-- random patterns: the text for string.find and the items for the reference
local singles = {"a", "b", "c", ".", "%a", "[ab]", "[^a]", "[a-b]", "[^b-c]", "%."}
local quants = {"", "", "", "*", "+", "-", "?"}
local function randpattern()
  local text, items, open, closed = {}, {}, 0, {}
  local anchor = math.random(4) == 1
  local ncap = 0
  for i = 1, math.random(0, 6) do
    local r = math.random(10)
    if r == 1 and ncap < 3 then
      ncap = ncap + 1; open = open + 1
      items[#items + 1] = {kind = "open", n = ncap}; text[#text + 1] = "("
    elseif r == 2 and open > 0 and text[#text] ~= "(" then   -- "()" would be a position capture
      open = open - 1
      for j = #items, 1, -1 do
        if items[j].kind == "open" and not items[j].closed then items[j].closed = true; closed[#closed + 1] = items[j].n break end
      end
      items[#items + 1] = {kind = "close"}; text[#text + 1] = ")"
    elseif r == 3 and ncap < 3 then
      ncap = ncap + 1
      items[#items + 1] = {kind = "pos"}; text[#text + 1] = "()"
    elseif r == 4 and #closed > 0 then
      local n = closed[math.random(#closed)]
      items[#items + 1] = {kind = "back", n = n}; text[#text + 1] = "%" .. n
    else
      local c, q = singles[math.random(#singles)], quants[math.random(#quants)]
      items[#items + 1] = {kind = "single", class = classof(c), q = q}; text[#text + 1] = c .. q
    end
  end
  while open > 0 do
    if text[#text] == "(" then items[#items + 1] = {kind = "single", class = classof("a"), q = "*"}; text[#text + 1] = "a*" end
    open = open - 1; items[#items + 1] = {kind = "close"}; text[#text + 1] = ")"
  end
  local anchorend = math.random(5) == 1
  return (anchor and "^" or "") .. table.concat(text) .. (anchorend and "$" or ""), items, anchor, anchorend
end

local alphabet = {"a", "b", "c", "."}
local mismatches, found = 0, 0
for case = 1, 3000 do
  local p, items, anchor, anchorend = randpattern()
  local s = {}
  for i = 1, math.random(0, 10) do s[i] = alphabet[math.random(#alphabet)] end
  s = table.concat(s)
  local init = math.random(-3, #s + 2)
  local got = table.pack(string.find(s, p, init))
  local want = table.pack(reffind(s, items, anchor, anchorend, init))
  local same = got.n == want.n
  for i = 1, math.max(got.n, want.n) do same = same and got[i] == want[i] end
  if got[1] then found = found + 1 end
  if not same then
    mismatches = mismatches + 1
    if mismatches <= 10 then
      print("MISMATCH", string.format("%q %q %d", s, p, init), "find:", table.unpack(got, 1, got.n))
      print("", "reference:", table.unpack(want, 1, want.n))
    end
  end
  if case <= 100 then print(case, s, p, init, table.unpack(got, 1, got.n)) end
end
print("found", found, "mismatches", mismatches)
