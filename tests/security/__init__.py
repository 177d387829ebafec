"""Security tests, one module per attack surface, organised by attack class."""
