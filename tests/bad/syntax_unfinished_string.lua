-- bad: same
print("abc)
