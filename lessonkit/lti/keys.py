"""The tool's signing keys: made on first start, stored 0600, rotated with a grace period.

The folder (``lti.keys``) holds one PEM file per key (``<kid>.pem``, mode 0600, in a 0700
folder) and ``keys.json``: which key signs now and when the others were retired. The tool's
JWKS (served at ``…/services/lessonkit/lti/jwks``) lists the signing key and every key retired
less than the grace period ago, so a platform that cached the old key still accepts
assertions signed just before a rotation. Key ids are RFC 7638 thumbprints.

A key file that others may read is refused: whoever reads it can post grades as the tool.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import LessonkitError

__all__ = ["SigningKey", "ToolKeyError", "ToolKeys"]


class ToolKeyError(LessonkitError, OSError):
    """The key folder cannot be used (unreadable, or readable by others)."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A private key and its id."""

    kid: str
    """RFC 7638 thumbprint of the public key."""
    pem: bytes
    """The private key, PKCS#8 PEM."""

    def public_jwk(self) -> dict[str, Any]:
        """The public half as a JWK (``kid``, ``alg`` RS256, ``use`` sig)."""
        from cryptography.hazmat.primitives.serialization import load_pem_private_key
        from jwt.algorithms import RSAAlgorithm

        key: Any = load_pem_private_key(self.pem, password=None)
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}


def _thumbprint(pem: bytes) -> str:
    jwk = SigningKey("", pem).public_jwk()
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _new_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


class ToolKeys:
    """The key folder (see the module doc)."""

    def __init__(self, folder: Path, grace_days: float = 7.0) -> None:
        self.folder = Path(folder)
        self.grace = grace_days * 86400

    @property
    def _meta(self) -> Path:
        return self.folder / "keys.json"

    def _read_meta(self) -> dict[str, Any]:
        try:
            data = json.loads(self._meta.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise ToolKeyError(f"{self._meta}: cannot read the key list: {exc}") from exc
        return data if isinstance(data, dict) else {}

    def _write_meta(self, data: dict[str, Any]) -> None:
        tmp = self.folder / f".keys.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self._meta)

    def _load(self, kid: str) -> SigningKey:
        path = self.folder / f"{kid}.pem"
        try:
            mode = path.stat().st_mode
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise ToolKeyError(
                    f"{path}: the tool's private key is readable by others "
                    f"(mode {stat.S_IMODE(mode):o}): chmod 600 it (Kubernetes: defaultMode 0400)"
                )
            return SigningKey(kid, path.read_bytes())
        except OSError as exc:
            if isinstance(exc, ToolKeyError):
                raise
            raise ToolKeyError(f"{path}: cannot read the tool's key: {exc}") from exc

    def _store(self, pem: bytes) -> str:
        kid = _thumbprint(pem)
        fd = os.open(self.folder / f"{kid}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        return kid

    def ensure(self) -> SigningKey:
        """The signing key, made now if the folder has none (first start)."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        meta = self._read_meta()
        if not meta.get("active"):
            lock = self.folder / ".first-start"
            try:  # two processes starting at once: one makes the key, the other waits
                fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return self._wait_for_first()
            try:
                self._write_meta({"active": self._store(_new_pem()), "retired": {}})
            finally:
                os.close(fd)
                lock.unlink()
            meta = self._read_meta()
        return self._load(str(meta["active"]))

    def _wait_for_first(self) -> SigningKey:
        for _ in range(100):
            meta = self._read_meta()
            if meta.get("active"):
                return self._load(str(meta["active"]))
            time.sleep(0.1)
        raise ToolKeyError(f"{self.folder}: another process is making the first key; try again")

    def rotate(self) -> tuple[str, str]:
        """Make a new signing key; the old one stays in the JWKS for the grace period.
        Returns ``(old kid, new kid)``."""
        old = self.ensure().kid
        meta = self._read_meta()
        new = self._store(_new_pem())
        retired = dict(meta.get("retired") or {})
        retired[old] = time.time()
        self._write_meta({"active": new, "retired": retired})
        self.prune()
        return old, new

    def prune(self) -> list[str]:
        """Delete keys retired longer than the grace period ago; their ids."""
        meta = self._read_meta()
        retired = dict(meta.get("retired") or {})
        gone = [kid for kid, at in retired.items() if time.time() - float(at) > self.grace]
        for kid in gone:
            with contextlib.suppress(FileNotFoundError):
                (self.folder / f"{kid}.pem").unlink()
            del retired[kid]
        if gone:
            self._write_meta({**meta, "retired": retired})
        return gone

    def jwks(self) -> dict[str, Any]:
        """The public keys: the signing key first, then those in their grace period."""
        active = self.ensure()
        keys = [active.public_jwk()]
        retired = self._read_meta().get("retired") or {}
        for kid, at in sorted(retired.items(), key=lambda kv: -float(kv[1])):
            if time.time() - float(at) <= self.grace:
                with contextlib.suppress(ToolKeyError):
                    keys.append(self._load(kid).public_jwk())
        return {"keys": keys}

    def describe(self) -> dict[str, Any]:
        """The active key id and the retired ones with their retirement times (for the CLI)."""
        active = self.ensure().kid
        retired = self._read_meta().get("retired") or {}
        return {"folder": str(self.folder), "active": active, "retired": retired}
