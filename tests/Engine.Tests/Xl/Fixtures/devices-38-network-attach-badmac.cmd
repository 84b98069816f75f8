xl network-attach xps-dev-cap mac=zz:16:3e:0a:0b:0c
