"""Thin adapters that run the engine inside a site generator."""
