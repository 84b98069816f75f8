xl network-attach xps-dev-nosuch bridge=xenbr0
