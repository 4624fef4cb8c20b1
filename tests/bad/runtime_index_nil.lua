-- bad: traceback
local cfg
print(cfg.name)
