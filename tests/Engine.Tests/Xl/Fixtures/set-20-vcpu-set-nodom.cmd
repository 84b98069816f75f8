xl vcpu-set nosuchdom 1
