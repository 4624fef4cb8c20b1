-- json.lua: a JSON API server's serialization layer (RFC 8259 encoder and decoder).
-- Each request builds an order document (customer, nested addresses, line items, tags,
-- escapes, decimals, true/false/null) varied by i, encodes it with sorted object keys,
-- decodes the text, deep-compares the result with the original and re-encodes it to check
-- the text is identical. check() reports bytes encoded, values decoded and a text checksum.

local byte, char, sub, find, format = string.byte, string.char, string.sub, string.find, string.format
local concat, sort, floor = table.concat, table.sort, math.floor

-- Sentinels and markers: null is a unique value; arrays and objects carry a metatable so
-- that empty ones keep their kind through a round trip.
local null = setmetatable({}, { __tostring = function() return "null" end })
local Array, Object = { __name = "array" }, { __name = "object" }
local function array(t) return setmetatable(t or {}, Array) end
local function object(t) return setmetatable(t or {}, Object) end

---------------------------------------------------------------- encoder

local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
                  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
local function escape_char(c)
  return escapes[c] or format("\\u%04x", byte(c))
end

local function encode_string(s, out, n)
  out[n + 1] = '"'
  out[n + 2] = (string.gsub(s, '[%c"\\]', escape_char))
  out[n + 3] = '"'
  return n + 3
end

-- Integers print exactly; other numbers use the shortest of %.14g/%.17g that reads back.
local function number_text(x)
  if x ~= x or x == math.huge or x == -math.huge then error("json: cannot encode " .. tostring(x)) end
  if x == floor(x) and x > -1e15 and x < 1e15 then return format("%d", x) end
  local s = format("%.14g", x)
  if tonumber(s) ~= x then s = format("%.17g", x) end
  return s
end

local encode_value

local function is_array(t)
  local mt = getmetatable(t)
  if mt == Array then return true end
  if mt == Object then return false end
  return t[1] ~= nil
end

local function encode_array(t, out, n)
  n = n + 1; out[n] = "["
  for k = 1, #t do
    if k > 1 then n = n + 1; out[n] = "," end
    n = encode_value(t[k], out, n)
  end
  n = n + 1; out[n] = "]"
  return n
end

local function encode_object(t, out, n)
  local keys, nk = {}, 0
  for k in pairs(t) do
    if type(k) ~= "string" then error("json: object key is not a string") end
    nk = nk + 1; keys[nk] = k
  end
  sort(keys)
  n = n + 1; out[n] = "{"
  for k = 1, nk do
    if k > 1 then n = n + 1; out[n] = "," end
    n = encode_string(keys[k], out, n)
    n = n + 1; out[n] = ":"
    n = encode_value(t[keys[k]], out, n)
  end
  n = n + 1; out[n] = "}"
  return n
end

encode_value = function(v, out, n)
  local tv = type(v)
  if tv == "string" then return encode_string(v, out, n) end
  if tv == "number" then n = n + 1; out[n] = number_text(v); return n end
  if tv == "boolean" then n = n + 1; out[n] = v and "true" or "false"; return n end
  if v == null then n = n + 1; out[n] = "null"; return n end
  if tv == "table" then
    if is_array(v) then return encode_array(v, out, n) end
    return encode_object(v, out, n)
  end
  error("json: cannot encode a " .. tv)
end

local function encode(v)
  local out = {}
  local n = encode_value(v, out, 0)
  return concat(out, "", 1, n)
end

---------------------------------------------------------------- decoder

-- The decoder is a recursive-descent parser over the text; pos is the next unread byte.
-- It counts every value it produces so that check() can report it.
local decoded_values = 0

local function decode_error(s, pos, what)
  error(format("json: %s at byte %d near '%s'", what, pos, sub(s, pos, pos + 10)))
end

local function skip_space(s, pos)
  local _, e = find(s, "^[ \t\r\n]*", pos)
  return e + 1
end

-- Encodes code point cp as UTF-8 bytes (surrogate pairs are joined by the caller).
local function utf8_bytes(cp)
  if cp < 0x80 then return char(cp) end
  if cp < 0x800 then return char(0xC0 + floor(cp / 64), 0x80 + cp % 64) end
  if cp < 0x10000 then
    return char(0xE0 + floor(cp / 4096), 0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
  end
  return char(0xF0 + floor(cp / 262144), 0x80 + floor(cp / 4096) % 64,
              0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
end

local simple_escapes = { [34] = '"', [92] = "\\", [47] = "/", [98] = "\b", [102] = "\f",
                         [110] = "\n", [114] = "\r", [116] = "\t" }

local function read_hex4(s, pos)
  local hex = sub(s, pos, pos + 3)
  if not find(hex, "^%x%x%x%x$") then decode_error(s, pos, "bad \\u escape") end
  return tonumber(hex, 16)
end

-- Reads one escape starting at the backslash; returns its text and the position after it.
local function read_escape(s, pos)
  local c = byte(s, pos + 1)
  local simple = simple_escapes[c]
  if simple then return simple, pos + 2 end
  if c ~= 117 then decode_error(s, pos, "bad escape") end
  local cp = read_hex4(s, pos + 2)
  pos = pos + 6
  if cp >= 0xD800 and cp < 0xDC00 and sub(s, pos, pos + 1) == "\\u" then
    local low = read_hex4(s, pos + 2)
    if low >= 0xDC00 and low < 0xE000 then
      return utf8_bytes(0x10000 + (cp - 0xD800) * 1024 + (low - 0xDC00)), pos + 6
    end
  end
  return utf8_bytes(cp), pos
end

local function decode_string(s, pos)
  pos = pos + 1
  local parts, np = nil, 0
  while true do
    local q = find(s, '["\\%c]', pos)
    if not q then decode_error(s, pos, "unterminated string") end
    local c = byte(s, q)
    if c == 34 then
      decoded_values = decoded_values + 1
      if not parts then return sub(s, pos, q - 1), q + 1 end
      np = np + 1; parts[np] = sub(s, pos, q - 1)
      return concat(parts, "", 1, np), q + 1
    end
    if c ~= 92 then decode_error(s, q, "control character in string") end
    parts = parts or {}
    np = np + 1; parts[np] = sub(s, pos, q - 1)
    np = np + 1; parts[np], pos = read_escape(s, q)
  end
end

-- RFC 8259 grammar: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [-+]? [0-9]+)?
local function decode_number(s, pos)
  local _, e = find(s, "^-?%d+", pos)
  if not e then decode_error(s, pos, "bad number") end
  if find(s, "^-?0%d", pos) then decode_error(s, pos, "leading zero") end
  local _, f = find(s, "^%.%d+", e + 1)
  if f then e = f end
  _, f = find(s, "^[eE][-+]?%d+", e + 1)
  if f then e = f end
  local x = tonumber(sub(s, pos, e))
  decoded_values = decoded_values + 1
  return x, e + 1
end

local decode_value

local function decode_array(s, pos)
  local t, n = array(), 0
  pos = skip_space(s, pos + 1)
  if byte(s, pos) == 93 then decoded_values = decoded_values + 1; return t, pos + 1 end
  while true do
    local v
    v, pos = decode_value(s, pos)
    n = n + 1; t[n] = v
    pos = skip_space(s, pos)
    local c = byte(s, pos)
    if c == 93 then decoded_values = decoded_values + 1; return t, pos + 1 end
    if c ~= 44 then decode_error(s, pos, "expected ',' or ']'") end
    pos = pos + 1
  end
end

local function decode_object(s, pos)
  local t = object()
  pos = skip_space(s, pos + 1)
  if byte(s, pos) == 125 then decoded_values = decoded_values + 1; return t, pos + 1 end
  while true do
    pos = skip_space(s, pos)
    if byte(s, pos) ~= 34 then decode_error(s, pos, "expected a key") end
    local key
    key, pos = decode_string(s, pos)
    decoded_values = decoded_values - 1 -- keys are not values
    pos = skip_space(s, pos)
    if byte(s, pos) ~= 58 then decode_error(s, pos, "expected ':'") end
    local v
    v, pos = decode_value(s, pos + 1)
    t[key] = v
    pos = skip_space(s, pos)
    local c = byte(s, pos)
    if c == 125 then decoded_values = decoded_values + 1; return t, pos + 1 end
    if c ~= 44 then decode_error(s, pos, "expected ',' or '}'") end
    pos = pos + 1
  end
end

local literals = { [116] = { "true", true }, [102] = { "false", false }, [110] = { "null", null } }

decode_value = function(s, pos)
  pos = skip_space(s, pos)
  local c = byte(s, pos)
  if c == 123 then return decode_object(s, pos) end
  if c == 91 then return decode_array(s, pos) end
  if c == 34 then return decode_string(s, pos) end
  if c == 45 or (c and c >= 48 and c <= 57) then return decode_number(s, pos) end
  local lit = literals[c]
  if lit and sub(s, pos, pos + #lit[1] - 1) == lit[1] then
    decoded_values = decoded_values + 1
    return lit[2], pos + #lit[1]
  end
  decode_error(s, pos, "unexpected character")
end

local function decode(s)
  local v, pos = decode_value(s, 1)
  pos = skip_space(s, pos)
  if pos <= #s then decode_error(s, pos, "trailing text") end
  return v
end

---------------------------------------------------------------- checking

local function deep_equal(a, b, path)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then
    error(format("json: mismatch at %s", path))
  end
  if is_array(a) ~= is_array(b) then error("json: array/object kind differs at " .. path) end
  for k, v in pairs(a) do deep_equal(v, b[k], path .. "." .. tostring(k)) end
  for k in pairs(b) do
    if a[k] == nil then error("json: extra key at " .. path .. "." .. tostring(k)) end
  end
  return true
end

-- Polynomial hash of the text modulo a prime below 2^31 (exact with floats and integers).
local function text_hash(s, h)
  local n = #s
  for k = 1, n, 16 do
    local a, b, c, d = byte(s, k, k + 3)
    h = (h * 31 + (a or 0) * 7 + (b or 0) * 5 + (c or 0) * 3 + (d or 0)) % 2147483629
  end
  return (h * 31 + n) % 2147483629
end

-- Checks fixed texts against known answers (escapes, numbers, unicode, nesting).
local function self_test()
  local cases = {
    { '{"b":[1,2.5,-3e2],"a":"x\\n\\"y\\"\\\\\\u0001"}', '{"a":"x\\n\\"y\\"\\\\\\u0001","b":[1,2.5,-300]}' },
    { '[true,false,null,{},[],"\\u00e9\\ud83d\\ude00"]', '[true,false,null,{},[],"\195\169\240\159\152\128"]' },
    { ' { "k" : [ 0 , -0.125 , 1E3 ] } ', '{"k":[0,-0.125,1000]}' },
  }
  for k = 1, #cases do
    local got = encode(decode(cases[k][1]))
    if got ~= cases[k][2] then error("json: self-test " .. k .. " gave " .. got) end
  end
  for _, bad in ipairs({ '[1,2', '{"a" 1}', '"abc', '[1,]x', 'nul' }) do
    if pcall(decode, bad) then error("json: accepted bad text " .. bad) end
  end
end

---------------------------------------------------------------- documents

local seed
local function rand(n)
  seed = (seed * 16807) % 2147483647
  return seed % n
end

local first = { "Ada", "Grace", "Linus", "Barbara", "Ken", "Zoë", "Edsger", "Frances" }
local last = { "Lovelace", "Hopper", "O'Neil", "Liskov", "Thompson", "Dijkstra", "Allen" }
local streets = { "Main St", "Elm \"Old\" Rd", "Route\t9", "Queen's Walk", "Back\\Lane" }
local cities = { "Zürich", "Oslo", "Lyon", "Kyoto", "Austin", "Porto" }
local products = { "widget", "gadget", "sprocket", "flux capacitor", "café table",
                   "line\nbreak lamp", "tab\tchair", "bell\7ringer" }
local tag_words = { "gift", "express", "fragile", "bulk", "promo", "vip", "returning" }

local function address(i, kind)
  return object({
    kind = kind,
    street = format("%d %s", 1 + rand(999), streets[1 + rand(#streets)]),
    city = cities[1 + (i + rand(3)) % #cities],
    zip = format("%05d", rand(100000)),
    geo = object({ lat = (rand(180000) - 90000) / 1000, lon = (rand(360000) - 180000) / 1000 }),
    primary = kind == "shipping",
  })
end

local function line_item(i, k)
  local qty = 1 + rand(9)
  local cents = 99 + rand(50000)
  return object({
    sku = format("SKU-%04d-%d", (i * 7 + k) % 10000, k),
    name = products[1 + (i + k) % #products],
    qty = qty,
    unit_price = cents / 100,
    discount = (k % 3 == 0) and 0.15 or null,
    options = array({ format("size:%d", 30 + rand(20)), k % 2 == 0 and "gift-wrap" or "plain" }),
    in_stock = rand(4) ~= 0,
  })
end

local function order(i)
  seed = 1 + (i * 7919) % 2147483646
  local items = array()
  local total = 0
  for k = 1, 10 do
    local item = line_item(i, k)
    items[k] = item
    total = total + item.qty * floor(item.unit_price * 100 + 0.5)
  end
  local tags = array()
  for k = 1, 1 + i % 4 do tags[k] = tag_words[1 + (i + k * 3) % #tag_words] end
  return object({
    id = 100000 + i,
    status = (i % 5 == 0) and "cancelled" or "open",
    customer = object({
      id = 5000 + i % 97,
      name = first[1 + i % #first] .. " " .. last[1 + i % #last],
      email = format("user%d@example.com", i % 1000),
      note = (i % 3 == 0) and "says \"hi\"\r\n\\ and \1\31 bye" or null,
      addresses = array({ address(i, "billing"), address(i + 1, "shipping") }),
    }),
    items = items,
    tags = tags,
    empty_list = array(),
    empty_map = object(),
    totals = object({ cents = total, amount = total / 100, tax_rate = 0.0825, currency = "EUR" }),
    flags = array({ true, false, null, i % 2 == 0 }),
  })
end

---------------------------------------------------------------- workload

local bytes_encoded, documents, checksum

local function setup()
  bytes_encoded, documents, checksum = 0, 0, 0
  decoded_values = 0
  self_test()
  decoded_values = 0
end

local DOCS_PER_REQUEST = 1

local function request(i)
  for d = 1, DOCS_PER_REQUEST do
    local doc = order((i - 1) * DOCS_PER_REQUEST + d)
    local text = encode(doc)
    local back = decode(text)
    deep_equal(doc, back, "$")
    local again = encode(back)
    if again ~= text then error("json: re-encoded text differs for request " .. i) end
    bytes_encoded = bytes_encoded + #text + #again
    documents = documents + 1
    checksum = text_hash(text, checksum)
  end
end

local function check()
  return format("docs=%d bytes=%d values=%d checksum=%d",
                documents, bytes_encoded, decoded_values, checksum)
end

return { requests = 1000, setup = setup, request = request, check = check }
