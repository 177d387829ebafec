"""Decision policies: mastery estimation (BKT), practice item selection, parameter fitting.

Layer: pure functions over the lesson model (``lessonkit.lesson``); no run state, no I/O.
The branching condition language belongs to the lesson format (``lessonkit.lesson.conditions``).
"""
