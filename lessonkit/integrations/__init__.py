"""Integrations at the edges of lessonkit: Voilà serving (``voila``) and nbgrader (``nbgrader``).

These modules may import Jupyter packages; the core never imports them.
"""
