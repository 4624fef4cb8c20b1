-- bad: traceback
error()
