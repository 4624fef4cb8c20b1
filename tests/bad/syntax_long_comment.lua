-- bad: same
--[[ never closed
print(1)
