"""Demo data: a small team for trying the service, a council-sized set for measuring it,
and the commands that create people."""
