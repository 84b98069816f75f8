xl network-attach xps-dev-cap colour=blue
