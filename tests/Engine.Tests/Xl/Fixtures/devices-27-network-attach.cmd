xl network-attach xps-dev-cap bridge=xenbr0
