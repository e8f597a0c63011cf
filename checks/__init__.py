"""Check functions: plain functions registered by name, returning a result with evidence."""
