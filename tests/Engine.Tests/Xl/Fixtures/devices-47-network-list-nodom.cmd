xl network-list xps-dev-nosuch
