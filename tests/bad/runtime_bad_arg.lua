-- bad: traceback
print(string.rep())
