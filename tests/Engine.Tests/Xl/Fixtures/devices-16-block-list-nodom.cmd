xl block-list xps-dev-nosuch
