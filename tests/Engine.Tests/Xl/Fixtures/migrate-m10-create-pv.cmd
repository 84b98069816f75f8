xl create pv.cfg
