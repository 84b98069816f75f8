xl restore -p /var/lib/xenlab/xps-sav-probe.save
