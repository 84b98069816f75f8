xl network-detach xps-dev-cap 00:16:3e:99:99:99
