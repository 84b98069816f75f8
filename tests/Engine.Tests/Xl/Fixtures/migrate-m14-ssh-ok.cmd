ssh -o BatchMode=yes -o ConnectTimeout=5 localhost xl info
