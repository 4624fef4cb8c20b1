-- conformance: require with file modules (nil, false and erroring results, syntax errors), custom and
-- failing searchers, a missing or malformed package.searchers, searchpath with separators
-- (package.loadlib differs on purpose: jolt loads no C modules, so it answers "absent")
local base = os.tmpname()
local files = {}
local function module(name, text)
  local f = assert(io.open(base .. "_" .. name .. ".lua", "w"))
  f:write(text); f:close()
  files[#files + 1] = base .. "_" .. name .. ".lua"
end
module("m1", 'local name, path = ... print("mod loaded", name, (path:gsub(".*_", "TMP_"))) return nil')
module("m2", "return false")
module("m3", 'error("load fail")')
module("m4", "syntax error here")
-- the temporary name is random: mask it in everything printed
local function p(...)
  local t = table.pack(...)
  for i = 1, t.n do t[i] = (tostring(t[i]):gsub(base:gsub("%p", "%%%0"), "TMP")) end
  print(table.unpack(t, 1, t.n))
end
local path, searchers = package.path, package.searchers
package.path = base .. "_?.lua"
p(require("m1"), package.loaded.m1)
p(require("m2"), package.loaded.m2)
p(pcall(require, "m3"))
p(pcall(require, "m4"))
p(pcall(require, "m5"))
table.insert(package.searchers, 1, function(name)
  if name == "virt" then return function(n, extra) print("virt loader", n, extra) return {v = n} end, "extra!" end
  return "\n\tno virtual " .. name
end)
p(require("virt").v)
p(pcall(require, "nothing"))
package.searchers[1] = function() error("searcher boom") end
p(pcall(require, "zzz"))
table.remove(package.searchers, 1)
package.searchers = nil
p(pcall(require, "qqq"))
package.searchers = {}
p(pcall(require, "qqq2"))
package.path = 1
package.searchers = {function(n) return nil end}
p(pcall(require, "q3"))
package.path, package.searchers = path, searchers
p(package.searchpath("m1", base .. "_?.lua"), package.searchpath("a.b.c", "/x/?.y;/z/?", ".", "/"))
p(package.searchpath("a.b", "/x/?.y", "", ""))
p(pcall(package.searchpath, 1))
p(type(package.loadlib), package.cpath ~= nil)
for _, f in ipairs(files) do os.remove(f) end
os.remove(base)
