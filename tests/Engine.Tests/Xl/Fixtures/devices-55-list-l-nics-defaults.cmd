xl list -l xps-dev-cap
