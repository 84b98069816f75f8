xl list -l xps-dev-cap | grep -A30 nics
