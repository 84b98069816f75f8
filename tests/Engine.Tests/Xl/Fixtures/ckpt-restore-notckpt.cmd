xl restore /etc/xen/xl.conf
