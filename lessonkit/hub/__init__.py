"""The JupyterHub course service: evidence, server-side answer keys, class view, LRS forwarding.

Layer: the top, beside ``commands`` and ``integrations``; it may import every layer below
(``analytics``, ``grading``, ``engine``, ``evidence``, ``checks``, ``lesson``).

The service itself (:mod:`lessonkit.hub.app`) needs the ``hub`` extra (JupyterHub's
``HubOAuth``, tornado, SQLAlchemy); importing this package imports none of them. What a
learner's kernel uses lives in light modules: :mod:`lessonkit.hub.remote_check` (the
``lessonkit.service`` checker) and :mod:`lessonkit.evidence.stores.service` (the store).
See ``docs/jupyterhub.md``.
"""
