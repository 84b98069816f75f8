xl network-detach xps-dev-nosuch 0
