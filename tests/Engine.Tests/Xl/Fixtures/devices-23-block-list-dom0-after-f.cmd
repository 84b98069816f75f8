xl block-list Domain-0
