-- bad: traceback
error({code = 1})
