"""Decision policies: the branching condition language, mastery estimation, item selection."""
