-- bad: same
print((1 + 2)
