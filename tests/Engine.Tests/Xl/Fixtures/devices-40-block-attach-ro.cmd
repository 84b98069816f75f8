xl block-attach xps-dev-cap 'format=raw, vdev=xvdc, access=ro, target=/var/lib/xenlab/xps-dev-disk2.img'
