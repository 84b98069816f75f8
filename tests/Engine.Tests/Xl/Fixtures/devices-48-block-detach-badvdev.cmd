xl block-detach xps-dev-cap xvd
