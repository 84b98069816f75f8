xl block-list xps-dev-cap Domain-0
