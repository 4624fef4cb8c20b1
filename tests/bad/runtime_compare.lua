-- bad: traceback
print({} < 1)
