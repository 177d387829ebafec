"""Fixtures of the LMS tests: the session's PostgreSQL server is the course service's."""

from tests.hub.conftest import pg_server

__all__ = ["pg_server"]
