xl block-attach xps-dev-nosuch 'format=raw, vdev=xvdb, target=/var/lib/xenlab/xps-dev-disk2.img'
