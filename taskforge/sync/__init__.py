"""Tracker sync: remotes, links, push and pull as patches, one adapter per service (see adapter.py)."""
