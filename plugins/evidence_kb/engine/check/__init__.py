"""Checking: every claim of every article, the evidence rules, colliding pages, and a built site (verify)."""
