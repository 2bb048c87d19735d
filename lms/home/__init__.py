"""Each role's home page (`services.py` gathers it in a fixed number of queries) and the progress
page of a background job with its result (`views_jobs.py`)."""
