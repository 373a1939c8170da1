"""The engine: plain Python that never imports a host (MkDocs, ProperDocs, Zensical).

bib/ reads, checks and formats the library; page/ finds citations and claims in a page
and validates its front matter; review/ holds the review workflow; extension.py is the
Python-Markdown extension every host runs; check.py checks a whole knowledge base.
"""
