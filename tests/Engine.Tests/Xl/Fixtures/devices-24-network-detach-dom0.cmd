xl network-detach Domain-0 0
