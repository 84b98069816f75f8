xl network-attach xps-dev-cap bridge=xenbr0 mac=00:16:3e:0a:0b:0c
