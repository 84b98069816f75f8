xl rename nosuchdom xps-set-x
