xl vcpu-set xps-set-cap 2; sleep 1; xl vcpu-list xps-set-cap; xl list xps-set-cap
