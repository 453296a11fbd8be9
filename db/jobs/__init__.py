"""Background work that must reach another system: the outbox and mail delivery."""
