xl rename xps-set-cap xps-dev-cap
