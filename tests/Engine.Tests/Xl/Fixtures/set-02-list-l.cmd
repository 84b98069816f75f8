xl list -l xps-set-cap
