xl block-detach xps-dev-nosuch xvdb
