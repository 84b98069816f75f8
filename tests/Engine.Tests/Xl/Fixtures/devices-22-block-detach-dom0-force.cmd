xl block-detach -f Domain-0 xvdb
