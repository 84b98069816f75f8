xl block-detach xps-dev-cap xvdf
