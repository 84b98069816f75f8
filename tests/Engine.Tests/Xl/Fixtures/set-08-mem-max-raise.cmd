xl mem-max xps-set-cap 256m; xl list -l xps-set-cap | grep -E 'max_memkb|target_memkb'
