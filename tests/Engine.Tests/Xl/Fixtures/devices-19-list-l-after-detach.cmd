xl list -l xps-dev-cap | grep -A12 disks
