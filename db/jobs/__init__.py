"""Background work: the one job queue (lease, backoff, give-up) and mail, its first kind."""
