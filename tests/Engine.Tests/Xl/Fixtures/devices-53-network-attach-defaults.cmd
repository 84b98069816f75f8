xl network-attach xps-dev-cap
