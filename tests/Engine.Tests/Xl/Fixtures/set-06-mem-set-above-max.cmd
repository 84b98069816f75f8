xl mem-set xps-set-cap 256m
