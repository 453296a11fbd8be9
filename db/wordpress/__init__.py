"""The WordPress → libSQL sync: REST client, transform, webhook and sync jobs."""
