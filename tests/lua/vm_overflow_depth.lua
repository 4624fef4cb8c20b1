-- stack overflow at the same depth as lua5.4: the CLI's main function keeps its two arguments
-- on the stack as lua5.4's does, so a script starts at the same stack level; the uncaught
-- overflow's traceback then skips as many levels ("skipping 499974 levels" for a 2-slot frame)
local depth = 0
local function two(n) depth = n; return 1 + two(n + 1) end
print(pcall(two, 1))
print("two-slot frames", depth)
local function six(n) depth = n; local a, b, c, e = 1, 2, 3, 4; return 1 + six(n + 1) end
print(pcall(six, 1))
print("six-slot frames", depth)
local function va(n, ...) depth = n; return 1 + va(n + 1, ...) end
print(pcall(va, 1, 2, 3))
print("vararg frames", depth)
local co = coroutine.wrap(function() print(pcall(two, 1)) return depth end)
print("in a coroutine", co())
local function f(n) return 1 + f(n + 1) end
f(1)
