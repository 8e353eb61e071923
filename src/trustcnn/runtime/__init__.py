"""A run's safety, below everything else: user errors (one line each) and how they are printed,
atomic writes, the rollback journal, one run per project, arrays on disk, child processes."""
