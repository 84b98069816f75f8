xl list   # taken 3 s into `xl save xps-sav-probe /var/lib/xenlab/xps-sav-probe.save`
