xl mem-set xps-set-cap 112m; sleep 3; xl list xps-set-cap
