xl network-list xps-dev-cap
