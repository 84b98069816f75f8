xl vcpu-set xps-set-cap 1; sleep 2; xl vcpu-list xps-set-cap; xl list xps-set-cap
