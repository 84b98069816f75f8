ssh -o BatchMode=yes -o ConnectTimeout=5 nosuchhost.invalid xl info
