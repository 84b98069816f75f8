xl rename xps-set-cap xps-set-cap2; xl list xps-set-cap2
