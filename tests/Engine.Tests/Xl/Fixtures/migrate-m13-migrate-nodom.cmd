xl migrate mig-nosuch localhost
