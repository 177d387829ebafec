"""LTI 1.3 Advantage, the tool side: how lessonkit talks to an LMS.

Layer: below ``hub`` and ``integrations`` (both use it), above ``widgets``; it imports only
``errors`` from lessonkit, and PyJWT, ``cryptography`` and SQLAlchemy lazily.

- :mod:`.claims`: the claims of a launch (checked by the hub's login), roles, message types;
- :mod:`.config`: the ``lti:`` section of the service configuration (platforms, contexts);
- :mod:`.keys`: the tool's key pair (made on first start, 0600), rotation, the public JWKS;
- :mod:`.tokens`: JWTs the tool signs (OAuth2 client assertions, deep-linking responses);
- :mod:`.services`: the LMS's Assignment and Grade Services and Names and Role Provisioning;
- :mod:`.scores`: a score as AGS wants it, with a fingerprint for idempotent updates;
- :mod:`.store`: what launches taught the service (contexts, links, members) and the spool
  of grades on their way to the LMS, in the service's database.

The hub's login is :mod:`lessonkit.hub.lti_auth` (JupyterHub's ``ltiauthenticator``); the
service's pages and the grade spool's worker are ``lessonkit.hub.lti_*``. See ``docs/lms.md``.
"""
