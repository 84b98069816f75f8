xl network-detach xps-dev-cap 00:16:3e:0a:0b:0c
