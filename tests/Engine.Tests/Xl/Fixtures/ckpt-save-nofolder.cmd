xl save xps-sav-probe /nonexistent-dir/x.save
