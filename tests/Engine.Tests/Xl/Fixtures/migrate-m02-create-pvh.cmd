xl create pvh.cfg
