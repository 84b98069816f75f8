xl migrate mig-cap nosuchhost.invalid
