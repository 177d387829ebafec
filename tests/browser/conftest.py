"""Browser-test fixtures: the run's one browser is ``tests/conftest.py``'s ``browser``
(chromium must exist in CI; elsewhere its absence skips, saying why)."""
