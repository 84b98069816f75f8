xl block-attach xps-dev-cap 'format=raw, vdev=xvdc, access=rw, target=/var/lib/xenlab/xps-dev-nosuch.img'
