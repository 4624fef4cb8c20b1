-- bad: same
do
  goto nowhere
end
