xl create /dev/null 'name="xps-set-cap"' 'kernel="/var/lib/xenlab/guest-kernel"' 'ramdisk="/var/lib/xenlab/domu-initrd.gz"' 'extra="console=hvc0 quiet"' memory=128 vcpus=2
