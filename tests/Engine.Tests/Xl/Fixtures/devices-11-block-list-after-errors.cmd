xl block-list xps-dev-cap
