xl migrate mig-cappv localhost
