"""Reflex state classes, one per island; thin: parse, make one domain call, set vars."""
