xl mem-set xps-set-cap 160m; sleep 2; xl list xps-set-cap
