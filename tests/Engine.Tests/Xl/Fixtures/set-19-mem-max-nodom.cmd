xl mem-max nosuchdom 128m
