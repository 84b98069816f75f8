xl restore /var/lib/xenlab/xps-sav-probe.save
