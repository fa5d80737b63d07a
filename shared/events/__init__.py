"""Live call events for the admin UI: one event shape (ARCHITECTURE §5) and a bus to fan them out.

Redis pub/sub when REDIS_URL is set, in-process otherwise.
"""
