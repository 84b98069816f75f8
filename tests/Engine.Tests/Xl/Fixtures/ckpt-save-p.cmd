xl save -p xps-sav-probe /var/lib/xenlab/xps-sav-probe.save
