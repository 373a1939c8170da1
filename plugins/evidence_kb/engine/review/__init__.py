"""The review workflow: approval state, in-place front matter edits, related articles."""
