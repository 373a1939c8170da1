"""The library: parse `references.bib`, find its traps, format references for readers."""
