"""The secret behind lessonkit's keyed derivations, and where it comes from.

A session derives some values from who the learner is: the seed of each randomised question
variant (so the same learner sees the same variant again, and a grader can re-render it) and,
when a session is started with a ``seed``, its registration id. Derived with a plain hash,
anyone holding the evidence — or a pseudonymised export of it — and a list of candidate
learner ids could recompute them and put names back on the rows. So they are keyed:
HMAC-SHA256 under a key derived (:func:`derive_key`) from a secret that never appears in the
evidence.

:func:`resolve_secret` takes the first of:

1. ``LESSONKIT_SECRET``: the secret itself (at least 16 characters) — e.g. set for every
   learner's server by the JupyterHub spawner;
2. ``LESSONKIT_SECRET_FILE``: a file holding it;
3. ``secret_file = "…"`` in ``./lessonkit.toml``, then in the user's config file (relative to
   the file that names it; see :mod:`lessonkit.evidence.config`);
4. a random per-install secret (256 bits) kept in ``<user data dir>/secret``
   (:func:`lessonkit.evidence.identity.user_data_dir`), created on first use as a ``0600`` file
   in a ``0700`` folder (where that is impossible or unsafe, a secret for this process only,
   with a warning).

A course secret (1 to 3) gives a learner the same variants on every machine and lets course staff
recompute a seed to check it; the per-install default keeps each learner's secret on their own
account. Either way the learner's own process reads the secret to draw their variants: it
protects learners from whoever later receives their evidence, not the evidence from the
learner.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import uuid
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import StorageError
from .config import config_value

__all__ = [
    "MIN_SECRET_LENGTH",
    "SECRET_ENV",
    "SECRET_FILE_ENV",
    "SessionKeys",
    "derive_key",
    "keyed_registration",
    "resolve_secret",
    "session_keys",
]

SECRET_ENV = "LESSONKIT_SECRET"
"""Environment variable holding the secret itself."""
SECRET_FILE_ENV = "LESSONKIT_SECRET_FILE"
"""Environment variable naming a file that holds the secret."""
MIN_SECRET_LENGTH = 16
"""Shortest secret accepted, in bytes (the per-install secret has 64 hex digits)."""
_INSTALL_FILE = "secret"
_HEX_SECRET = re.compile(r"^[0-9a-f]{64}$")
# Registrations of deterministic (seeded, secret-less) sessions: the same as earlier versions.
_DETERMINISTIC_NS = uuid.UUID("6f1c2a52-93a4-4b6e-9d43-6c1d1f1b6a10")


def resolve_secret(
    env: Mapping[str, str] = os.environ,
    cwd: str | os.PathLike[str] | None = None,
) -> bytes:
    """The secret keyed derivations use (see the module docstring for the order of sources).

    Raises
    ------
    StorageError
        A configured secret (1 to 3) is too short or unreadable. A per-install secret that
        cannot be kept (a link at its name, a folder of another user, a read-only disk...) is
        replaced by one for this process only, with a :class:`RuntimeWarning`.
    """
    if env.get(SECRET_ENV):
        return _checked(env[SECRET_ENV].encode("utf-8"), f"${SECRET_ENV}")
    if env.get(SECRET_FILE_ENV):
        return _from_file(Path(env[SECRET_FILE_ENV]).expanduser(), f"${SECRET_FILE_ENV}")
    found = config_value("secret_file", env, cwd, expected='a path, e.g. secret_file = "secret"')
    if found is not None:
        name, config = found
        return _from_file(config.parent / Path(name).expanduser(), f"secret_file in {config}")
    from .identity import user_data_dir
    from .safefs import private_text

    folder = user_data_dir(env)
    try:
        text = private_text(folder, _INSTALL_FILE, secrets.token_hex(32), _is_install_secret)
    except StorageError as exc:
        # Like the anonymous learner id: a learner must be able to work even where the data
        # folder cannot be used safely. Variants are still keyed, but may differ next time.
        warnings.warn(
            f"lessonkit: cannot keep a secret in {folder} ({exc}); using a new secret for this "
            f"process only (set {SECRET_ENV}, or LESSONKIT_HOME to a folder of yours)",
            RuntimeWarning,
            stacklevel=2,
        )
        return secrets.token_hex(32).encode("ascii")
    return text.encode("ascii")


def _is_install_secret(text: str) -> bool:
    return _HEX_SECRET.fullmatch(text) is not None


def _from_file(path: Path, origin: str) -> bytes:
    try:
        data = path.read_bytes().strip()
    except OSError as exc:
        raise StorageError(f"cannot read the lessonkit secret {path} ({origin}): {exc}") from exc
    return _checked(data, f"{path} ({origin})")


def _checked(secret: bytes, origin: str) -> bytes:
    if len(secret) < MIN_SECRET_LENGTH:
        raise StorageError(
            f"the lessonkit secret from {origin} is too short ({len(secret)} bytes; at least "
            f"{MIN_SECRET_LENGTH}): make one with  python -c 'import secrets; "
            "print(secrets.token_hex(32))'"
        )
    return secret


def derive_key(secret: bytes, purpose: str) -> bytes:
    """A key for one ``purpose`` (``"variant-seed"``, ``"registration"``) from ``secret``, so
    no two uses share a key: ``HMAC-SHA256(secret, "lessonkit/" + purpose)``."""
    return hmac.new(secret, f"lessonkit/{purpose}".encode(), hashlib.sha256).digest()


def keyed_registration(key: bytes, lesson_id: str, learner_id: str, seed: int) -> str:
    """A registration reproducible from ``(lesson, learner, seed)`` only with ``key``: the
    first 16 bytes of ``HMAC-SHA256(key, lesson NUL learner NUL seed)`` as a UUID4."""
    message = f"{lesson_id}\0{learner_id}\0{seed}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


@dataclass(frozen=True, slots=True)
class SessionKeys:
    """What a new session derives from who the learner is, keyed where it must be."""

    registration: str
    """The session's registration id."""
    variant_key: bytes | None
    """Key of the variant seeds (``None``: unkeyed, deterministic play)."""


def session_keys(
    lesson_id: str,
    learner_id: str,
    *,
    seed: int | None,
    secret: bytes | str | None,
    variants: bool,
) -> SessionKeys:
    """The registration and variant key of a new session.

    - ``secret`` given: variant seeds are keyed with it; a ``seed`` gives a registration that
      only the secret reproduces (:func:`keyed_registration`).
    - no ``secret`` and no ``seed`` (a learner's live session): a random registration; if the
      lesson has randomised ``variants``, their seeds are keyed with :func:`resolve_secret`.
    - no ``secret`` but a ``seed`` (headless, deterministic play and simulation): everything
      is reproducible from ``(lesson, learner, seed)`` by anyone — by design, for tests and
      scripted runs; do not use it for real learners.
    """
    if secret is None and seed is None and variants:
        secret = resolve_secret()
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    if key is not None and len(key) < MIN_SECRET_LENGTH:
        key = _checked(key, "the secret= argument")
    if seed is None:
        registration = str(uuid.uuid4())
    elif key is not None:
        registration = keyed_registration(
            derive_key(key, "registration"), lesson_id, learner_id, seed
        )
    else:
        registration = str(uuid.uuid5(_DETERMINISTIC_NS, f"{lesson_id}|{learner_id}|{seed}"))
    variant_key = derive_key(key, "variant-seed") if key is not None else None
    return SessionKeys(registration=registration, variant_key=variant_key)
