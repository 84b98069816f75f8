xl rename xps-set-cap2 xps-set-cap2
