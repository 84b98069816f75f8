xl mem-max xps-set-cap 64m
