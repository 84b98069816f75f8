xl network-detach xps-dev-cap 2
