xl network-list Domain-0
