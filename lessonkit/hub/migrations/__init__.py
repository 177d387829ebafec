"""Alembic migrations of the course service's database (every table the service creates).

Run by :mod:`lessonkit.hub.schema` at service start and by ``lessonkit hub upgrade-db``; the
scripts ship inside the package, so an installed wheel can upgrade a database. Revisions are
named ``NNNN`` in order; ``0001`` is the layout lessonkit wrote before it recorded schema
revisions.
"""
