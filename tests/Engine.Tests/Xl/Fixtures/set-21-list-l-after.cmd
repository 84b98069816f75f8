xl list -l xps-set-cap2 | grep -E 'max_memkb|target_memkb|max_vcpus|"name"'
