"""Rendering a page: the Python-Markdown extension every host runs, and what it shows without our plugin."""
