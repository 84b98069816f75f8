xl migrate mig-cap localhost
