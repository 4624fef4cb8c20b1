-- router.lua: an HTTP server's request router and middleware chain.
-- ~60 routes (static segments, :params, trailing *wildcards, per-method handlers) are
-- registered in a segment trie in setup; each request dispatches ~50 generated URLs with
-- percent-encoded paths and query strings through logging and auth middleware, and checks
-- every response (status, handler, decoded params, query) against what the generator expects,
-- including 404s, 405s (with an Allow header) and 401s. check() reports counts per status
-- and a checksum of the bodies.

local find, sub, match, gsub, gmatch, format, byte, char =
  string.find, string.sub, string.match, string.gsub, string.gmatch, string.format,
  string.byte, string.char
local concat, sort = table.concat, table.sort

---------------------------------------------------------------- url decoding

local function hex_char(h) return char(tonumber(h, 16)) end

local function percent_decode(s)
  if not find(s, "%", 1, true) then return s end
  return (gsub(s, "%%(%x%x)", hex_char))
end

local function query_decode(s)
  return percent_decode((gsub(s, "+", " ")))
end

-- Parses "a=1&b=x+y&a=2&flag" into { a = {"1","2"}, b = "x y", flag = "" } (repeats become lists).
local function parse_query(qs)
  local q = {}
  if not qs or qs == "" then return q end
  for pair in gmatch(qs, "[^&]+") do
    local k, v = match(pair, "^([^=]*)=?(.*)$")
    k, v = query_decode(k), query_decode(v)
    local old = q[k]
    if old == nil then q[k] = v
    elseif type(old) == "table" then old[#old + 1] = v
    else q[k] = { old, v } end
  end
  return q
end

local function percent_encode(s)
  return (gsub(s, "[^%w%-_%.~]", function(c) return format("%%%02X", byte(c)) end))
end

---------------------------------------------------------------- router

-- The route trie: each node has static children by segment, one :param child, one *wildcard
-- child, and handlers by method. Static segments win over params, params over wildcards.
local Node = {}
Node.__index = Node

local function new_node()
  return setmetatable({ static = {}, param = nil, param_name = nil, wild_name = nil,
                        wild = nil, methods = nil }, Node)
end

function Node:insert(segments, method, route)
  local node = self
  for k = 1, #segments do
    local seg = segments[k]
    local head = byte(seg, 1)
    if head == 58 then -- ':'
      local name = sub(seg, 2)
      if node.param and node.param_name ~= name then error("router: param name clash at " .. seg .. " vs " .. tostring(node.param_name)) end
      node.param = node.param or new_node()
      node.param_name = name
      node = node.param
    elseif head == 42 then -- '*'
      if k ~= #segments then error("router: wildcard must be last") end
      node.wild = node.wild or { methods = {} }
      node.wild_name = sub(seg, 2)
      node.wild.methods[method] = route
      return
    else
      local child = node.static[seg]
      if not child then child = new_node(); node.static[seg] = child end
      node = child
    end
  end
  node.methods = node.methods or {}
  node.methods[method] = route
end

local function split_path(path)
  local segments, n = {}, 0
  for seg in gmatch(path, "[^/]+") do n = n + 1; segments[n] = seg end
  return segments, n
end

-- Finds the node whose handlers apply to segments[k..n], filling params on the way
-- (backtracking from a static child to the param and wildcard alternatives).
function Node:lookup(segments, k, n, params)
  if k > n then
    if self.methods then return self.methods end
    if self.wild then params[self.wild_name] = ""; return self.wild.methods end
    return nil
  end
  local seg = segments[k]
  local child = self.static[seg]
  if child then
    local found = child:lookup(segments, k + 1, n, params)
    if found then return found end
  end
  if self.param then
    local found = self.param:lookup(segments, k + 1, n, params)
    if found then params[self.param_name] = percent_decode(seg); return found end
  end
  if self.wild then
    local rest = {}
    for j = k, n do rest[#rest + 1] = percent_decode(segments[j]) end
    params[self.wild_name] = concat(rest, "/")
    return self.wild.methods
  end
  return nil
end

local Router = {}
Router.__index = Router

local function new_router()
  return setmetatable({ root = new_node(), middleware = {}, count = 0 }, Router)
end

function Router:add(method, pattern, name, handler, opts)
  local segments = split_path(pattern)
  self.count = self.count + 1
  self.root:insert(segments, method, { name = name, handler = handler, pattern = pattern,
                                       auth = opts and opts.auth or false })
end

function Router:use(mw) self.middleware[#self.middleware + 1] = mw end

local function response(status, body, headers)
  return { status = status, headers = headers or { ["content-type"] = "text/plain" }, body = body }
end

-- Resolves the route, then runs the middleware chain around the handler.
function Router:dispatch(req)
  local path, qs = match(req.url, "^([^?]*)%??(.*)$")
  req.path, req.query = path, parse_query(qs)
  local segments, n = split_path(path)
  local params = {}
  local methods = self.root:lookup(segments, 1, n, params)
  local route
  if methods then
    route = methods[req.method] or (req.method == "HEAD" and methods.GET)
    if not route then
      local allowed = {}
      for m in pairs(methods) do allowed[#allowed + 1] = m end
      sort(allowed)
      return response(405, "method not allowed", { allow = concat(allowed, ", ") }), nil
    end
  else
    return response(404, "not found: " .. path), nil
  end
  req.params, req.route = params, route
  local chain = self.middleware
  local function run(k)
    local mw = chain[k]
    if mw then return mw(req, function() return run(k + 1) end) end
    return route.handler(req)
  end
  return run(1), route
end

---------------------------------------------------------------- application

local stats
local user_store = {}
for k = 1, 50 do user_store[k] = { id = k, name = format("user%02d", k), role = k % 5 == 0 and "admin" or "member" } end

local function json_body(fields)
  local keys = {}
  for key in pairs(fields) do keys[#keys + 1] = key end
  sort(keys)
  local out = {}
  for k = 1, #keys do
    local v = fields[keys[k]]
    if type(v) == "table" then v = "[" .. concat(v, ",") .. "]" end
    out[k] = format('"%s":"%s"', keys[k], v)
  end
  return "{" .. concat(out, ",") .. "}"
end

-- Most handlers echo the route name, params and query: the checker compares them.
local function echo_handler(name)
  return function(req)
    local fields = { route = name }
    for key, v in pairs(req.params) do fields["p." .. key] = v end
    for key, v in pairs(req.query) do fields["q." .. key] = v end
    return response(200, json_body(fields), { ["content-type"] = "application/json" })
  end
end

local function user_handler(req)
  local id = tonumber(req.params.id)
  local user = id and user_store[id]
  if not user then return response(404, "no such user") end
  return response(200, json_body({ route = "user.show", ["p.id"] = req.params.id, name = user.name }),
                  { ["content-type"] = "application/json" })
end

local function create_handler(name)
  return function(req)
    local r = echo_handler(name)(req)
    r.status = 201
    r.headers.location = req.path
    return r
  end
end

local resources = { "users", "posts", "comments", "orders", "products", "carts", "reviews",
                    "invoices", "teams", "projects", "tickets", "assets" }

local function build_router()
  local r = new_router()
  r:add("GET", "/", "home", echo_handler("home"))
  r:add("GET", "/health", "health", echo_handler("health"))
  r:add("GET", "/static/*path", "static", echo_handler("static"))
  r:add("GET", "/users/:id", "user.show", user_handler)
  r:add("GET", "/users/me", "user.me", echo_handler("user.me"))
  r:add("GET", "/users/:id/posts/:post_id", "user.post", echo_handler("user.post"))
  r:add("GET", "/users/:id/posts/:post_id/comments", "user.post.comments", echo_handler("user.post.comments"))
  r:add("GET", "/admin/stats", "admin.stats", echo_handler("admin.stats"), { auth = true })
  r:add("DELETE", "/admin/users/:id", "admin.user.delete", echo_handler("admin.user.delete"), { auth = true })
  r:add("GET", "/files/:bucket/*key", "file.get", echo_handler("file.get"))
  for k = 2, #resources do
    local res = resources[k]
    r:add("GET", "/" .. res, res .. ".index", echo_handler(res .. ".index"))
    r:add("POST", "/" .. res, res .. ".create", create_handler(res .. ".create"))
    r:add("GET", "/" .. res .. "/:id", res .. ".show", echo_handler(res .. ".show"))
    r:add("PUT", "/" .. res .. "/:id", res .. ".update", echo_handler(res .. ".update"))
    r:add("DELETE", "/" .. res .. "/:id", res .. ".delete", echo_handler(res .. ".delete"), { auth = true })
  end
  return r
end

-- Middleware: counts every request per method, and rejects auth routes without a token.
local function logging(req, next_mw)
  stats.logged = stats.logged + 1
  stats.by_method[req.method] = (stats.by_method[req.method] or 0) + 1
  local res = next_mw()
  res.headers["x-request-id"] = req.id
  return res
end

local function auth(req, next_mw)
  if req.route.auth then
    local token = req.headers.authorization
    if not token or not match(token, "^Bearer%s+tok%-%d+$") then
      return response(401, "unauthorized", { ["www-authenticate"] = "Bearer" })
    end
  end
  return next_mw()
end

---------------------------------------------------------------- url generator

local seed
local function rand(n)
  seed = (seed * 16807) % 2147483647
  return seed % n
end

local odd_values = { "hello world", "a/b", "50%", "x&y=z", "caf\195\169", "plain", "~tilde", "a+b" }

local function random_word()
  local v = odd_values[1 + rand(#odd_values)]
  if rand(2) == 0 then return v end
  return format("%s%d", v, rand(1000))
end

-- Builds a query string from k=v pairs in order, and the table the parser should produce.
local function random_query(expected)
  local parts = {}
  for k = 1, rand(4) do
    local key, value = format("k%d", rand(3)), random_word()
    local enc = percent_encode(value)
    if rand(3) == 0 then enc = gsub(enc, "%%20", "+") end
    parts[#parts + 1] = key .. "=" .. enc
    local old = expected[key]
    if old == nil then expected[key] = value
    elseif type(old) == "table" then old[#old + 1] = value
    else expected[key] = { old, value } end
  end
  if #parts == 0 then return "" end
  return "?" .. concat(parts, "&")
end

-- Each generator returns method, url, headers and the expected response fields.
local generators = {
  function(i)
    local id, post = 1 + rand(50), format("p-%d", rand(9999))
    return "GET", format("/users/%d/posts/%s", id, percent_encode(post)),
           { status = 200, route = "user.post", params = { id = format("%d", id), post_id = post } }
  end,
  function()
    local id = 1 + rand(60)
    if id > 50 then return "GET", format("/users/%d", id), { status = 404, body = "no such user" } end
    return "GET", format("/users/%d", id), { status = 200, route = "user.show", params = { id = format("%d", id) } }
  end,
  function() return "GET", "/users/me", { status = 200, route = "user.me", params = {} } end,
  function()
    local parts = {}
    for k = 1, 1 + rand(4) do parts[k] = random_word() end
    local enc = {}
    for k = 1, #parts do enc[k] = percent_encode(parts[k]) end
    local path = concat(parts, "/")
    if find(path, "//", 1, true) or sub(path, 1, 1) == "/" or sub(path, -1) == "/" then
      path = "css/site.css"; enc = { "css", "site.css" }
    end
    return "GET", "/static/" .. concat(enc, "/"), { status = 200, route = "static", params = { path = path } }
  end,
  function()
    local res = resources[2 + rand(#resources - 1)]
    local id = format("%d", rand(100000))
    local which = rand(5)
    if which == 0 then return "GET", "/" .. res, { status = 200, route = res .. ".index", params = {} } end
    if which == 1 then return "POST", "/" .. res, { status = 201, route = res .. ".create", params = {} } end
    if which == 2 then return "PUT", "/" .. res .. "/" .. id, { status = 200, route = res .. ".update", params = { id = id } } end
    if which == 3 then return "PATCH", "/" .. res .. "/" .. id, { status = 405, allow = "DELETE, GET, PUT" } end
    return "GET", "/" .. res .. "/" .. id, { status = 200, route = res .. ".show", params = { id = id } }
  end,
  function()
    local id = format("%d", 1 + rand(50))
    local authed = rand(2) == 0
    local headers = authed and { authorization = format("Bearer tok-%d", rand(1000)) } or {}
    if authed then
      return "DELETE", "/admin/users/" .. id, { status = 200, route = "admin.user.delete", params = { id = id } }, headers
    end
    return "DELETE", "/admin/users/" .. id, { status = 401 }, headers
  end,
  function()
    local res = resources[2 + rand(#resources - 1)]
    local id = format("%d", rand(1000))
    return "DELETE", "/" .. res .. "/" .. id, { status = 200, route = res .. ".delete", params = { id = id } },
           { authorization = "Bearer tok-7" }
  end,
  function()
    local misses = { "/nope", "/users/1/posts", "/admin", "/users/2/posts/3/likes", "/static" }
    local path = misses[1 + rand(#misses)]
    if path == "/static" then return "GET", path, { status = 200, route = "static", params = { path = "" } } end
    return "GET", path, { status = 404, body = "not found: " .. path }
  end,
  function()
    local bucket, key = random_word(), format("dir %d/file%d.txt", rand(20), rand(500))
    return "GET", format("/files/%s/%s", percent_encode(bucket), gsub(percent_encode(key), "%%2F", "/")),
           { status = 200, route = "file.get", params = { bucket = bucket, key = key } }
  end,
  function() return "POST", "/health", { status = 405, allow = "GET" } end,
  function() return "HEAD", "/", { status = 200, route = "home", params = {} } end,
}

---------------------------------------------------------------- checking

local function expected_body(exp, query)
  local fields = { route = exp.route }
  for key, v in pairs(exp.params) do fields["p." .. key] = v end
  for key, v in pairs(query) do fields["q." .. key] = v end
  if exp.route == "user.show" then
    fields = { route = "user.show", ["p.id"] = exp.params.id, name = user_store[tonumber(exp.params.id)].name }
  end
  return json_body(fields)
end

local function verify(res, route, exp, query, url)
  if res.status ~= exp.status then
    error(format("router: %s gave status %d, expected %d", url, res.status, exp.status))
  end
  if exp.route then
    if not route or route.name ~= exp.route then error("router: " .. url .. " went to the wrong route") end
    if res.body ~= expected_body(exp, query) then error("router: " .. url .. " body " .. res.body) end
  end
  if exp.allow and res.headers.allow ~= exp.allow then
    error("router: " .. url .. " allow header " .. tostring(res.headers.allow))
  end
  if exp.body and res.body ~= exp.body then error("router: " .. url .. " body " .. res.body) end
  if exp.status == 201 and res.headers.location ~= match(url, "^[^?]*") then
    error("router: " .. url .. " bad location")
  end
end

local function body_hash(s, h)
  for k = 1, #s, 3 do h = (h * 31 + byte(s, k)) % 2147483629 end
  return h
end

---------------------------------------------------------------- workload

local router, checksum
local URLS_PER_REQUEST = 40

local function setup()
  router = build_router()
  if router.count < 60 then error("router: only " .. router.count .. " routes") end
  router:use(logging)
  router:use(auth)
  stats = { logged = 0, by_method = {}, by_status = {} }
  checksum = 0
end

local function request(i)
  seed = 1 + (i * 7901) % 2147483646
  for k = 1, URLS_PER_REQUEST do
    local gen = generators[1 + (i * 13 + k * 7 + rand(3)) % #generators]
    local method, url, exp, headers = gen(i)
    local query = {}
    url = url .. random_query(query)
    local req = { method = method, url = url, headers = headers or {}, id = format("%d-%d", i, k) }
    local res, route = router:dispatch(req)
    verify(res, route, exp, query, url)
    stats.by_status[res.status] = (stats.by_status[res.status] or 0) + 1
    checksum = body_hash(res.body, (checksum * 7 + res.status) % 2147483629)
  end
end

local function check()
  local parts = {}
  local codes = {}
  for code in pairs(stats.by_status) do codes[#codes + 1] = code end
  sort(codes)
  for k = 1, #codes do parts[k] = format("%d:%d", codes[k], stats.by_status[codes[k]]) end
  return format("routes=%d logged=%d status=%s checksum=%d", router.count, stats.logged,
                concat(parts, ","), checksum)
end

return { requests = 1000, setup = setup, request = request, check = check }
