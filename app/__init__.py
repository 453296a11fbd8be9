"""The Reflex app: pages, routes and HTTP endpoints."""
