xl block-attach xps-dev-cap 'format=bogus, vdev=xvdc, target=/var/lib/xenlab/xps-dev-disk2.img'
