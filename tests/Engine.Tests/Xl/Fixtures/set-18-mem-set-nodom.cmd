xl mem-set nosuchdom 128m
