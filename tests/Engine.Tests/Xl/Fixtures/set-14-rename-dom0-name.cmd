xl rename xps-set-cap Domain-0
