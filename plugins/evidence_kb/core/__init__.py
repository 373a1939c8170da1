"""The pure core of Evidence KB.

Nothing in this package imports MkDocs: it parses citations, loads and formats
the bibliography, finds claims and checks them. The MkDocs plugin and the
command line are thin adapters over it, so they can never disagree.
"""
