"""CDS Hooks client authentication: the JWT a CDS Client signs for each call, verified against an allow-list of
issuers (their keys, or a JWKS URL), with `aud` the called service's URL, a live `exp`, and no `jti` seen twice."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import httpx
import jwt

#: Algorithms CDS Hooks requires clients to sign with (ES384, RS384); `none` and HMAC are never accepted.
ALGORITHMS = ("ES384", "RS384")
#: Seconds of clock difference tolerated on `exp` and `iat`.
LEEWAY = 30
#: `jti`s remembered at most; past it the oldest expired are forgotten first, then the request is refused.
MAX_REMEMBERED = 100_000
#: Seconds between two fetches of a JWKS URL when a key id is not found.
JWKS_REFETCH = 60


class AuthError(Exception):
    """A request whose credentials do not pass; the reason says which check failed (never the token)."""


@dataclass
class Issuer:
    """One trusted CDS Client: its keys as a JWKS, or a URL to fetch them from."""

    name: str
    jwks: dict[str, Any] | None = None
    jwks_url: str | None = None
    fetched_at: float = 0.0


def load_issuers(path: Path) -> dict[str, Issuer]:
    """The allow-list file: `{"issuers": {"<iss>": {"jwks": {...}} | {"jwks_url": "https://..."}}}`."""
    document = json.loads(path.read_text(encoding="utf-8"))
    issuers: dict[str, Issuer] = {}
    for name, entry in (document.get("issuers") or {}).items():
        if not isinstance(entry, Mapping) or not (entry.get("jwks") or entry.get("jwks_url")):
            raise ValueError(f"{path}: issuer {name!r} has neither jwks nor jwks_url")
        issuers[name] = Issuer(name, entry.get("jwks"), entry.get("jwks_url"))
    if not issuers:
        raise ValueError(f"{path}: no issuers")
    return issuers


def _fetch_jwks(url: str) -> dict[str, Any]:
    answer = httpx.get(url, timeout=5.0, follow_redirects=False)
    answer.raise_for_status()
    return answer.json()


@dataclass
class JwtVerifier:
    """Verifies CDS Client JWTs; thread-safe, remembering each `jti` until its token expires."""

    issuers: dict[str, Issuer]
    fetch: Callable[[str], dict[str, Any]] = _fetch_jwks
    clock: Callable[[], float] = time.time
    _seen: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _key(self, issuer: Issuer, kid: str | None, alg: str) -> Any:
        for attempt in range(2):
            if issuer.jwks_url and (issuer.jwks is None or (attempt and self.clock() - issuer.fetched_at > JWKS_REFETCH)):
                try:
                    issuer.jwks, issuer.fetched_at = self.fetch(issuer.jwks_url), self.clock()
                except (httpx.HTTPError, ValueError):
                    raise AuthError(f"the keys of issuer {issuer.name} cannot be fetched") from None
            keys = [k for k in (issuer.jwks or {}).get("keys") or [] if kid is None or k.get("kid") == kid]
            if len(keys) == 1:
                try:
                    return jwt.PyJWK(keys[0], algorithm=alg).key
                except jwt.PyJWTError:
                    raise AuthError(f"key {kid} of issuer {issuer.name} is not a {alg} key") from None
            if len(keys) > 1:
                raise AuthError(f"the token names no key id and issuer {issuer.name} has several keys")
            if not issuer.jwks_url:
                break
        raise AuthError(f"issuer {issuer.name} has no key {kid}")

    def verify(self, authorization: str | None, audience: str) -> dict[str, Any]:
        """The claims of a valid `Authorization: Bearer <jwt>` for the service at `audience`, or AuthError."""
        if not authorization or not authorization.startswith("Bearer "):
            raise AuthError("no bearer token")
        token = authorization.removeprefix("Bearer ").strip()
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise AuthError("the token is not a JWT") from None
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise AuthError(f"algorithm {alg!r} is not accepted ({', '.join(ALGORITHMS)})")
        issuer = self.issuers.get(unverified.get("iss"))
        if issuer is None:
            raise AuthError("the issuer is not allowed")
        key = self._key(issuer, header.get("kid"), alg)
        try:
            claims = jwt.decode(token, key, algorithms=[alg], audience=audience.rstrip("/"), issuer=issuer.name,
                                leeway=LEEWAY, options={"require": ["iss", "aud", "exp", "iat", "jti"]})
        except jwt.ExpiredSignatureError:
            raise AuthError("the token has expired") from None
        except jwt.InvalidAudienceError:
            raise AuthError("the token's aud is not this service") from None
        except jwt.PyJWTError as e:
            raise AuthError(f"the token does not verify ({type(e).__name__})") from None
        self._remember(str(claims["jti"]), float(claims["exp"]))
        return claims

    def _remember(self, jti: str, exp: float) -> None:
        now = self.clock()
        with self._lock:
            if jti in self._seen:
                raise AuthError("the token's jti was already used")
            if len(self._seen) >= MAX_REMEMBERED:
                self._seen = {k: v for k, v in self._seen.items() if v + LEEWAY >= now}
                if len(self._seen) >= MAX_REMEMBERED:
                    raise AuthError("too many live tokens")
            self._seen[jti] = exp
