xl save 0 /var/lib/xenlab/xps-sav-probe.save
