xl save -c xps-sav-probe /var/lib/xenlab/xps-sav-probe.save
