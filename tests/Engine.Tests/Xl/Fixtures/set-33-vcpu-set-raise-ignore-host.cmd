xl vcpu-set --ignore-host xps-set-cap 2; sleep 3; xl vcpu-list xps-set-cap; xl list xps-set-cap; xenstore-read /local/domain/$(xl domid xps-set-cap)/cpu/1/availability
