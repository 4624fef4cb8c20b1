-- template.lua: a web server's HTML template engine.
-- Templates use {{path}}, {{path|filter|filter:arg}} (escape, upper, truncate:N),
-- {% for x in list %}..{% end %}, {% if [not] path %}..{% else %}..{% end %} and
-- {% include name %}; they are parsed with string patterns and compiled to closures once in
-- setup (a cache keyed by template name). Each request renders a product listing page
-- (header, nav, ~20 rows) with escaped user data; check() reports bytes, a checksum and
-- verifies the rendering of a known small page against its expected text.

local find, sub, match, gsub, gmatch, upper, format, byte =
  string.find, string.sub, string.match, string.gsub, string.gmatch, string.upper,
  string.format, string.byte
local concat, floor = table.concat, math.floor

---------------------------------------------------------------- values and filters

-- Numbers print the same on every engine: integers with %d, others with two decimals.
local function to_text(v)
  local tv = type(v)
  if tv == "string" then return v end
  if tv == "number" then
    if v == floor(v) then return format("%d", v) end
    return format("%.2f", v)
  end
  if v == nil then return "" end
  if tv == "boolean" then return v and "true" or "false" end
  error("template: cannot render a " .. tv)
end

local html_entities = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;",
                        ["'"] = "&#39;" }

local filters = {
  escape = function(s) return (gsub(s, "[&<>\"']", html_entities)) end,
  upper = function(s) return upper(s) end,
  truncate = function(s, arg)
    local n = tonumber(arg) or 20
    if #s <= n then return s end
    return sub(s, 1, n - 3) .. "..."
  end,
}

---------------------------------------------------------------- scopes

-- A scope is a table whose __index is its parent scope, so loop variables shadow outer names.
local function child_scope(parent, vars)
  return setmetatable(vars, { __index = parent })
end

-- Compiles "a.b.c" to a function that walks the scope and then the fields.
local function compile_path(path)
  local parts = {}
  for name in gmatch(path, "[^%.]+") do parts[#parts + 1] = name end
  if #parts == 0 or find(path, "[^%w_%.]") then error("template: bad name '" .. path .. "'") end
  local head, n = parts[1], #parts
  if n == 1 then return function(scope) return scope[head] end end
  return function(scope)
    local v = scope[head]
    for k = 2, n do
      if type(v) ~= "table" then return nil end
      v = v[parts[k]]
    end
    return v
  end
end

local function truthy(v)
  if type(v) == "table" then return v[1] ~= nil or next(v) ~= nil end
  return v ~= nil and v ~= false and v ~= ""
end

---------------------------------------------------------------- compiler

-- Every node compiles to a function(scope, out, n) that appends text to out and returns n.
local function compile_text(text)
  return function(_, out, n)
    n = n + 1; out[n] = text
    return n
  end
end

local function compile_output(expr)
  local pieces = {}
  for piece in gmatch(expr, "[^|]+") do pieces[#pieces + 1] = match(piece, "^%s*(.-)%s*$") end
  local get = compile_path(pieces[1])
  local chain, args = {}, {}
  for k = 2, #pieces do
    local fname, arg = match(pieces[k], "^([%w_]+):?(.*)$")
    local f = fname and filters[fname]
    if not f then error("template: unknown filter '" .. pieces[k] .. "'") end
    chain[k - 1], args[k - 1] = f, arg
  end
  local nf = #chain
  return function(scope, out, n)
    local s = to_text(get(scope))
    for k = 1, nf do s = chain[k](s, args[k]) end
    n = n + 1; out[n] = s
    return n
  end
end

local function compile_block(nodes)
  local count = #nodes
  return function(scope, out, n)
    for k = 1, count do n = nodes[k](scope, out, n) end
    return n
  end
end

local function compile_for(var, list_path, body)
  local get = compile_path(list_path)
  return function(scope, out, n)
    local list = get(scope)
    if list == nil then return n end
    local count = #list
    for k = 1, count do
      local loop = { index = k, odd = k % 2 == 1, first = k == 1, last = k == count }
      n = body(child_scope(scope, { [var] = list[k], loop = loop }), out, n)
    end
    return n
  end
end

local function compile_if(negate, path, yes, no)
  local get = compile_path(path)
  return function(scope, out, n)
    local ok = truthy(get(scope))
    if negate then ok = not ok end
    if ok then return yes(scope, out, n) end
    if no then return no(scope, out, n) end
    return n
  end
end

-- Parses the source into nested node lists; frames on a stack track open for/if blocks.
local function compile(source, registry)
  local root = { nodes = {} }
  local stack = { root }
  local function emit(node) local nodes = stack[#stack].nodes; nodes[#nodes + 1] = node end
  local function close_block(frame)
    local body = compile_block(frame.nodes)
    if frame.kind == "for" then return compile_for(frame.var, frame.path, body) end
    if frame.else_nodes then
      return compile_if(frame.negate, frame.path, compile_block(frame.then_nodes), body)
    end
    return compile_if(frame.negate, frame.path, body, nil)
  end
  local pos = 1
  while true do
    local s, _, kind = find(source, "{([{%%])", pos)
    if not s then break end
    if s > pos then emit(compile_text(sub(source, pos, s - 1))) end
    local closer = kind == "{" and "}}" or "%}"
    local cs, ce = find(source, closer, s + 2, true)
    if not cs then error("template: unclosed tag at byte " .. s) end
    local inner = match(sub(source, s + 2, cs - 1), "^%s*(.-)%s*$")
    if kind == "{" then
      emit(compile_output(inner))
    else
      local var, list = match(inner, "^for%s+([%w_]+)%s+in%s+([%w_%.]+)$")
      local negated = match(inner, "^if%s+not%s+([%w_%.]+)$")
      local cond = negated or match(inner, "^if%s+([%w_%.]+)$")
      local include = match(inner, "^include%s+([%w_]+)$")
      if var then
        stack[#stack + 1] = { kind = "for", var = var, path = list, nodes = {} }
      elseif cond then
        stack[#stack + 1] = { kind = "if", negate = negated ~= nil, path = cond, nodes = {} }
      elseif inner == "else" then
        local frame = stack[#stack]
        if frame.kind ~= "if" or frame.else_nodes then error("template: stray else") end
        frame.then_nodes, frame.nodes = frame.nodes, {}
        frame.else_nodes = frame.nodes
      elseif inner == "end" then
        if #stack == 1 then error("template: stray end") end
        local frame = table.remove(stack)
        emit(close_block(frame))
      elseif include then
        emit(function(scope, out, n)
          local t = registry[include]
          if not t then error("template: no template '" .. include .. "'") end
          return t(scope, out, n)
        end)
      else
        error("template: unknown tag '" .. inner .. "'")
      end
    end
    pos = ce + 1
  end
  if pos <= #source then emit(compile_text(sub(source, pos))) end
  if #stack ~= 1 then error("template: unclosed " .. stack[#stack].kind) end
  return compile_block(root.nodes)
end

---------------------------------------------------------------- templates

local sources = {
  header = [[
<head><title>{{site.name}} - {{page.title|escape}}</title></head>
<header><h1>{{site.name|upper}}</h1>{% if user %}<span class="user">Hi, {{user.name|escape}}</span>{% else %}<a href="/login">Sign in</a>{% end %}</header>
]],
  nav = [[
<nav><ul>{% for link in nav %}<li{% if link.active %} class="active"{% end %}><a href="{{link.href|escape}}">{{link.label|escape}}</a></li>{% end %}</ul></nav>
]],
  listing = [[
<!DOCTYPE html>
<html>{% include header %}<body>{% include nav %}
<main><h2>{{page.title|escape}} ({{page.count}} items)</h2>
<table>
{% for p in products %}<tr class="row {% if loop.odd %}odd{% else %}even{% end %}">
  <td>{{loop.index}}</td><td><a href="/p/{{p.id}}">{{p.name|escape}}</a></td>
  <td class="desc">{{p.description|truncate:40|escape}}</td>
  <td>{% if p.on_sale %}<s>{{p.list_price}}</s> <b>{{p.price}}</b>{% else %}{{p.price}}{% end %}</td>
  <td>{% if not p.stock %}<em>sold out</em>{% else %}{{p.stock}} left{% end %}</td>
  <td>{% for t in p.tags %}<span class="tag">{{t|upper|escape}}</span>{% end %}</td>
</tr>
{% end %}</table>
{% if page.empty_note %}<p>{{page.empty_note}}</p>{% end %}
</main><footer>{{site.footer|escape}}</footer></body></html>
]],
  greeting = [[<p>Hello {{who|upper}} & {{who|escape}}: {% for x in items %}[{{loop.index}}={{x.n|truncate:6}}{% if x.hot %}!{% end %}]{% end %}{% if none %}yes{% else %}no{% end %}</p>]],
}

local greeting_context = {
  who = "<Bob's>",
  items = { { n = "apple" }, { n = "watermelon", hot = true }, { n = 3.5 } },
}
local greeting_expected =
  "<p>Hello <BOB'S> & &lt;Bob&#39;s&gt;: [1=apple][2=wat...!][3=3.50]no</p>"

---------------------------------------------------------------- data

local seed
local function rand(n)
  seed = (seed * 16807) % 2147483647
  return seed % n
end

local adjectives = { "Shiny", "Rusty", "Quantum", "Tiny", "<b>Bold</b>", "Café", "O'Reilly's" }
local nouns = { "Widget", "Gizmo", "Sprocket", "Lamp & Shade", "Teapot", "\"Quoted\" Chair" }
local words = { "durable", "handmade", "<script>alert(1)</script>", "eco-friendly", "fast",
                "limited", "edition", "with", "free", "shipping", "& more" }
local tag_pool = { "new", "sale", "eco", "gift", "<hot>", "bulk" }

local function product(i, k)
  local desc = {}
  for w = 1, 4 + rand(6) do desc[w] = words[1 + rand(#words)] end
  local tags = {}
  for t = 1, rand(4) do tags[t] = tag_pool[1 + (i + k + t) % #tag_pool] end
  local cents = 199 + rand(20000)
  local on_sale = rand(3) == 0
  return {
    id = i * 100 + k,
    name = adjectives[1 + (i + k) % #adjectives] .. " " .. nouns[1 + (i * 3 + k) % #nouns],
    description = concat(desc, " "),
    price = on_sale and floor(cents * 0.8) / 100 or cents / 100,
    list_price = cents / 100,
    on_sale = on_sale,
    stock = rand(5) == 0 and false or rand(50),
    tags = tags,
  }
end

local site = { name = "jolt shop", footer = "(c) jolt & friends <shop@example.com>" }
local nav_labels = { "Home", "Deals & Offers", "Gadgets", "Furniture", "<Admin>", "Help" }

local function page_context(i)
  seed = 1 + (i * 104729) % 2147483646
  local products = {}
  for k = 1, 20 do products[k] = product(i, k) end
  local nav = {}
  for k = 1, #nav_labels do
    nav[k] = { label = nav_labels[k], href = format("/c/%d?ref=%s&x=\"%d\"", k, "nav", i % 7),
               active = k == 1 + i % #nav_labels }
  end
  return {
    site = site,
    nav = nav,
    user = (i % 4 ~= 0) and { name = format("user<%d>", i % 50) } or nil,
    page = { title = format("Results for \"%s\" page %d", words[1 + i % #words], i % 9),
             count = #products, empty_note = (i % 10 == 0) and "No more results" or nil },
    products = products,
  }
end

---------------------------------------------------------------- workload

local registry, bytes_rendered, rows_rendered, checksum

local function render(name, context)
  local t = registry[name]
  if not t then error("template: no template '" .. name .. "'") end
  local out = {}
  local n = t(context, out, 0)
  return concat(out, "", 1, n)
end

-- Polynomial hash of a sample of the text modulo a prime below 2^31.
local function text_hash(s, h)
  local n = #s
  for k = 1, n, 16 do
    local a, b, c, d = byte(s, k, k + 3)
    h = (h * 31 + (a or 0) * 7 + (b or 0) * 5 + (c or 0) * 3 + (d or 0)) % 2147483629
  end
  return (h * 31 + n) % 2147483629
end

local function check_greeting()
  local got = render("greeting", greeting_context)
  if got ~= greeting_expected then error("template: greeting rendered as " .. got) end
  return #got
end

local function setup()
  registry = {}
  local names = { "greeting", "header", "listing", "nav" }
  for k = 1, #names do registry[names[k]] = compile(sources[names[k]], registry) end
  bytes_rendered, rows_rendered, checksum = 0, 0, 0
  check_greeting()
end

local function request(i)
  local context = page_context(i)
  local html = render("listing", context)
  if find(html, "<script>", 1, true) or find(html, "<hot>", 1, true) then
    error("template: unescaped user data in request " .. i)
  end
  local rows = 0
  for _ in gmatch(html, '<tr class="row ') do rows = rows + 1 end
  if rows ~= #context.products then error("template: rendered " .. rows .. " rows") end
  local _, opened = gsub(html, "<td>", "")
  if opened ~= rows * 5 then error("template: wrong cell count in request " .. i) end
  bytes_rendered = bytes_rendered + #html
  rows_rendered = rows_rendered + rows
  checksum = text_hash(html, checksum)
end

local function check()
  local greeting_bytes = check_greeting()
  return format("bytes=%d rows=%d checksum=%d greeting=%d",
                bytes_rendered, rows_rendered, checksum, greeting_bytes)
end

return { requests = 1000, setup = setup, request = request, check = check }
