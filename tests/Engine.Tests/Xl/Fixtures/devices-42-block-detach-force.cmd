xl block-detach -f xps-dev-cap xvdc
