xl create /var/lib/xenlab/xps-dev-cap.cfg
