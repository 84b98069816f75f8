xl block-detach Domain-0 xvdb
