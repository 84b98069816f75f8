xl save nosuchdom /var/lib/xenlab/xps-sav-probe.save
