xl restore /nonexistent-file.save
