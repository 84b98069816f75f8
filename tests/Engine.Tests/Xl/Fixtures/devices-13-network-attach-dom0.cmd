xl network-attach Domain-0 bridge=xenbr0
