-- bad: traceback
local function need(x) if type(x) ~= "number" then error("need a number", 2) end end
local function use() need("x") end
use()
