xl vcpu-list xps-set-cap; xl list xps-set-cap
