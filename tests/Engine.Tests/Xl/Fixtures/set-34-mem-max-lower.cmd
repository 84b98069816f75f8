xl mem-max xps-set-cap 128m; xl list -l xps-set-cap | grep -E 'max_memkb|target_memkb|max_vcpus'
