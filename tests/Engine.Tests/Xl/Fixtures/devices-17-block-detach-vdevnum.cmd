xl block-detach xps-dev-cap 51728
