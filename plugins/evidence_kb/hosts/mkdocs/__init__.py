"""The MkDocs (and ProperDocs) plugin."""
