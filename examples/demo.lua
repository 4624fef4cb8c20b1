-- demo.lua: a small but real program for `make demo`: a JSON encoder and decoder, a round trip
-- of a generated order book through them, and a report computed from the decoded data.

-- -- JSON encoding ------------------------------------------------------------------------

local escapes = {['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t"}

local function encode_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return escapes[c] or string.format("\\u%04x", c:byte())
  end) .. '"'
end

local function is_array(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n == #t
end

local encode
local function encode_table(t, out)
  if next(t) ~= nil and is_array(t) then
    out[#out + 1] = "["
    for i, v in ipairs(t) do
      if i > 1 then out[#out + 1] = "," end
      encode(v, out)
    end
    out[#out + 1] = "]"
    return
  end
  -- Objects are written with sorted keys, so the text is the same from run to run.
  local keys = {}
  for k in pairs(t) do
    if type(k) ~= "string" then error("object keys must be strings, got " .. type(k)) end
    keys[#keys + 1] = k
  end
  table.sort(keys)
  out[#out + 1] = "{"
  for i, k in ipairs(keys) do
    if i > 1 then out[#out + 1] = "," end
    out[#out + 1] = encode_string(k)
    out[#out + 1] = ":"
    encode(t[k], out)
  end
  out[#out + 1] = "}"
end

function encode(v, out)
  local t = type(v)
  if t == "table" then encode_table(v, out)
  elseif t == "string" then out[#out + 1] = encode_string(v)
  elseif t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then error("cannot encode " .. tostring(v)) end
    out[#out + 1] = math.type(v) == "integer" and tostring(v) or string.format("%.17g", v)
  elseif t == "boolean" then out[#out + 1] = tostring(v)
  elseif t == "nil" then out[#out + 1] = "null"
  else error("cannot encode a " .. t) end
end

local function to_json(v)
  local out = {}
  encode(v, out)
  return table.concat(out)
end

-- -- JSON decoding ------------------------------------------------------------------------

local Decoder = {}
Decoder.__index = Decoder

function Decoder:fail(what)
  error(string.format("JSON: %s at position %d", what, self.pos), 0)
end

function Decoder:skip()
  self.pos = self.text:find("[^ \t\r\n]", self.pos) or #self.text + 1
end

function Decoder:peek()
  self:skip()
  return self.text:sub(self.pos, self.pos)
end

function Decoder:expect(c)
  if self:peek() ~= c then self:fail("expected '" .. c .. "'") end
  self.pos = self.pos + 1
end

function Decoder:string()
  self:expect('"')
  local parts = {}
  while true do
    local s, e, chunk, stop = self.text:find('^([^"\\]*)(["\\])', self.pos)
    if not s then self:fail("unfinished string") end
    parts[#parts + 1] = chunk
    self.pos = e + 1
    if stop == '"' then break end
    local esc = self.text:sub(self.pos, self.pos)
    if esc == "u" then
      local hex = self.text:match("^%x%x%x%x", self.pos + 1) or self:fail("bad \\u escape")
      parts[#parts + 1] = utf8.char(tonumber(hex, 16))
      self.pos = self.pos + 5
    else
      local map = {b = "\b", f = "\f", n = "\n", r = "\r", t = "\t", ['"'] = '"', ["\\"] = "\\", ["/"] = "/"}
      parts[#parts + 1] = map[esc] or self:fail("bad escape")
      self.pos = self.pos + 1
    end
  end
  return table.concat(parts)
end

function Decoder:number()
  local text = self.text:match("^-?%d+%.?%d*[eE]?[-+]?%d*", self.pos)
  local n = text and math.tointeger(text) or tonumber(text)
  if not n then self:fail("bad number") end
  self.pos = self.pos + #text
  return n
end

function Decoder:value()
  local c = self:peek()
  if c == "{" then
    self.pos = self.pos + 1
    local obj = {}
    if self:peek() == "}" then self.pos = self.pos + 1 return obj end
    repeat
      local k = self:string()
      self:expect(":")
      obj[k] = self:value()
      local sep = self:peek()
      self.pos = self.pos + 1
    until sep ~= ","
    if self.text:sub(self.pos - 1, self.pos - 1) ~= "}" then self:fail("expected '}'") end
    return obj
  elseif c == "[" then
    self.pos = self.pos + 1
    local arr = {}
    if self:peek() == "]" then self.pos = self.pos + 1 return arr end
    repeat
      arr[#arr + 1] = self:value()
      local sep = self:peek()
      self.pos = self.pos + 1
    until sep ~= ","
    if self.text:sub(self.pos - 1, self.pos - 1) ~= "]" then self:fail("expected ']'") end
    return arr
  elseif c == '"' then
    return self:string()
  elseif c:match("[-%d]") then
    return self:number()
  end
  for word, v in pairs({["true"] = true, ["false"] = false}) do
    if self.text:sub(self.pos, self.pos + #word - 1) == word then
      self.pos = self.pos + #word
      return v
    end
  end
  if self.text:sub(self.pos, self.pos + 3) == "null" then self.pos = self.pos + 4 return nil end
  self:fail("unexpected '" .. c .. "'")
end

local function from_json(text)
  local d = setmetatable({text = text, pos = 1}, Decoder)
  local v = d:value()
  if d:peek() ~= "" then d:fail("trailing text") end
  return v
end

-- -- The data: a deterministic order book -------------------------------------------------

local seed = 20261123
local function rand(n) seed = (seed * 16807) % 2147483647 return seed % n + 1 end

local products = {"bolt", "nut", "washer", "spring", "gear", "axle", "bearing", "pulley"}
local cities = {"Lyon", "Porto", "Gdansk", "Tromso", "Zurich", "Krakow"}
local orders = {}
for i = 1, 2000 do
  local lines = {}
  for j = 1, rand(5) do
    lines[j] = {product = products[rand(#products)], qty = rand(40), price = rand(9000) / 100}
  end
  orders[i] = {id = i, city = cities[rand(#cities)], express = rand(4) == 1,
    note = (i % 97 == 0) and "fragile\n\"handle with care\"" or "", lines = lines}
end

-- -- Round trip and report ----------------------------------------------------------------

local text = to_json({version = 1, orders = orders})
local back = from_json(text)
local again = to_json(back)
print(string.format("encoded %d orders into %d bytes of JSON", #orders, #text))
print("round trip identical: " .. tostring(again == text))
local ok, err = pcall(from_json, '{"a": [1, 2,, 3]}')
print("malformed input rejected: " .. tostring(not ok) .. " (" .. err .. ")")

local by_city, by_product = {}, {}
local revenue, express = 0, 0
for _, o in ipairs(back.orders) do
  local total = 0
  for _, l in ipairs(o.lines) do
    local amount = l.qty * l.price
    total = total + amount
    local p = by_product[l.product] or {qty = 0, amount = 0}
    p.qty, p.amount = p.qty + l.qty, p.amount + amount
    by_product[l.product] = p
  end
  by_city[o.city] = (by_city[o.city] or 0) + total
  revenue = revenue + total
  if o.express then express = express + 1 end
end

print(string.format("\nrevenue %.2f over %d orders, %d express (%.1f%%)",
  revenue, #back.orders, express, 100 * express / #back.orders))
print("\nrevenue by city")
local cityrows = {}
for city, amount in pairs(by_city) do cityrows[#cityrows + 1] = {city, amount} end
table.sort(cityrows, function(a, b) return a[2] > b[2] end)
for _, r in ipairs(cityrows) do
  print(string.format("  %-8s %12.2f  %s", r[1], r[2], string.rep("#", math.floor(r[2] / revenue * 120))))
end
print("\nproducts by quantity")
local prodrows = {}
for name, p in pairs(by_product) do prodrows[#prodrows + 1] = {name, p.qty, p.amount} end
table.sort(prodrows, function(a, b) return a[2] > b[2] or (a[2] == b[2] and a[1] < b[1]) end)
for _, r in ipairs(prodrows) do
  print(string.format("  %-8s %6d units %12.2f  avg %6.2f", r[1], r[2], r[3], r[3] / r[2]))
end
