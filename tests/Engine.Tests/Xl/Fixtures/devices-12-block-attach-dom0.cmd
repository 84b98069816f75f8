xl block-attach Domain-0 'format=raw, vdev=xvdb, access=rw, target=/var/lib/xenlab/xps-dev-disk2.img'
