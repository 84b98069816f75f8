xl block-attach xps-dev-cap 'format=raw, vdev=xvdb, access=rw, target=/var/lib/xenlab/xps-dev-disk.img'
