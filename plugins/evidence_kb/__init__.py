"""Evidence KB: a static site generator for evidence-based clinical knowledge bases."""

__version__ = "0.1.0"
