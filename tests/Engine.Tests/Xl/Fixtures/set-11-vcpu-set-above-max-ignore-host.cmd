xl vcpu-set --ignore-host xps-set-cap 3
