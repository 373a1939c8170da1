"""What is kept in `.cache/evidence-kb/` between runs."""
