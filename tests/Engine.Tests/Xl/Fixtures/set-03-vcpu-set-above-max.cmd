xl vcpu-set xps-set-cap 3
