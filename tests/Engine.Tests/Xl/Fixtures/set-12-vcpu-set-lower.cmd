xl vcpu-set xps-set-cap 1; sleep 1; xl vcpu-list xps-set-cap; xl list xps-set-cap
