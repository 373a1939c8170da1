"""The `evidencekb` command line."""
