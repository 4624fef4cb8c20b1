-- property: os.date with random conversions over random times (UTC and local), *t then os.time gives the
-- time back, os.time normalizes random out-of-range fields
math.randomseed(5)
local convs = {"a","A","b","B","c","C","d","D","e","F","g","G","h","H","I","j","m","M","n","p","r","R","S","t","T","u","U","V","w","W","x","X","y","Y","%","Ec","EC","Ex","EX","Ey","EY","Od","Oe","OH","OI","Om","OM","OS","Ou","OU","OV","Ow","OW","Oy", "z", "Z"}
for i = 1, 300 do
  local t = math.random(-2^40, 2^40)
  local f = {}
  for j = 1, math.random(1, 4) do f[j] = "%" .. convs[math.random(#convs)] .. (math.random(3) == 1 and "-" or "") end
  f = table.concat(f)
  local utc = math.random(2) == 1 and "!" or ""
  print(t, utc .. f, pcall(os.date, utc .. f, t))
  local d = os.date(utc .. "*t", t)
  if d then
    local t2 = os.time(d)
    print(d.year, d.month, d.day, d.hour, d.min, d.sec, d.wday, d.yday, d.isdst, utc == "" and t2 == t or utc == "!")
  end
end
for i = 1, 100 do
  local tt = {year = math.random(-3000, 5000), month = math.random(-30, 30), day = math.random(-400, 400), hour = math.random(-50, 50), min = math.random(-100, 100), sec = math.random(-5000, 5000)}
  local ok, r = pcall(os.time, tt)
  print(ok, r, tt.year, tt.month, tt.day, tt.hour, tt.min, tt.sec, tt.wday, tt.yday, tt.isdst)
end
