"""One page: citations, claims, front matter, and the safety of its markup."""
