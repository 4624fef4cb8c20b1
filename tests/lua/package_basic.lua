-- package library: require, loaders, searchpath, path handling, error messages
local prefix = os.tmpname()
local function clean(s) return (tostring(s):gsub(prefix:gsub("%p", "%%%0"), "PREFIX")) end
local function try(f, ...)
  local r = table.pack(pcall(f, ...))
  for i = 1, r.n do r[i] = clean(r[i]) end
  print(table.unpack(r, 1, r.n))
end
local function write(path, text)
  local f = assert(io.open(path, "w")); f:write(text); f:close()
end

print(type(package.path), type(package.cpath), package.config == "/\n;\n?\n!\n-\n")
print(package.loaded._G == _G, package.loaded.string == string, package.loaded.table == table)
print(package.loaded.math == math, package.loaded.io == io, package.loaded.os == os)
print(package.loaded.debug == debug, package.loaded.coroutine == coroutine, package.loaded.utf8 == utf8)
print(package.loaded.package == package, type(package.preload), #package.searchers)
print(require("string") == string, select("#", require("string")))

-- preload
package.preload.pmod = function(name, extra)
  print("loading", name, extra)
  return {name = name}
end
local m, extra = require("pmod")
print(m.name, extra, package.loaded.pmod == m, require("pmod") == m)
package.preload.nilmod = function() end
print(require("nilmod"), package.loaded.nilmod)
package.preload.falsemod = function() return false end
print(require("falsemod"), package.loaded.falsemod)

-- Lua files along package.path
local saved = package.path
package.path = prefix .. "_?.lua;" .. prefix .. "_?/init.lua"
write(prefix .. "_alpha.lua", "local name, file = ...\nreturn {name = name, file = file, n = 42}\n")
local a, afile = require("alpha")
print(a.name, a.n, clean(a.file), clean(afile))
write(prefix .. "_beta.lua", "#!/shebang line\nbeta_loaded = (beta_loaded or 0) + 1\n")
print(require("beta"), beta_loaded, require("beta"), beta_loaded)
write(prefix .. "_bad.lua", "return +\n")
try(require, "bad")
write(prefix .. "_err.lua", "error('boom')\n")
try(require, "err")
write(prefix .. "_dot_mod.lua", "return 'dotted'")
try(require, "dot_mod")
try(require, "dot.mod")
write(prefix .. "_sub.lua", "return ...")
print(clean(select(2, require("sub"))))

-- not found: the message lists every place tried
try(require, "no.such.module")
package.path = saved

-- searchpath
print(clean(package.searchpath("alpha", prefix .. "_?.lua")))
print(clean(select(2, package.searchpath("nope", prefix .. "_?.lua;" .. prefix .. "_?.x"))))
print(package.searchpath("a.b.c", "?"))
print(package.searchpath("a.b.c", "?", "."))
print(package.searchpath("a.b.c", "?", ".", "/"))
print(package.searchpath("a-b", "x/?;y/?", "-", "+"))
print(package.searchpath("a.b", "?", ""))
print(package.searchpath("x", ""))
print(package.searchpath("x", ";;"))
try(package.searchpath)
try(package.searchpath, "x")

-- broken configuration
local sp = package.path
package.path = nil
try(require, "zzz")
package.path = sp
local searchers = package.searchers
package.searchers = nil
try(require, "zzz")
package.searchers = searchers
try(require)

-- a custom searcher
table.insert(package.searchers, 2, function(name)
  if name == "virtual" then return function(n, x) return "virtual:" .. n .. ":" .. x end, "xdata" end
  return "\n\tcustom searcher skipped " .. name
end)
print(require("virtual"))
try(require, "missing")
table.remove(package.searchers, 2)

for _, s in ipairs{"_alpha", "_beta", "_bad", "_err", "_dot_mod", "_sub"} do os.remove(prefix .. s .. ".lua") end
os.remove(prefix)
print("done")
