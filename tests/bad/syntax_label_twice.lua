-- bad: same
::a::
::a::
