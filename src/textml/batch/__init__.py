"""`textml batch`: a corpus translated or summarized by Ray Data on the engines the replicas run, outside the
online service (rows.py: what a row is; files.py: reading and writing them; workers.py: the actors; job.py: the
pipeline)."""
