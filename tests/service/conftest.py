"""Fixtures of the service tests: the package compiled once, and a CDS Client's signing key."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from call0603.service.package import ServedPackage, load_package
from service_support import Signer


@pytest.fixture(scope="session")
def package() -> ServedPackage:
    """The committed package, compiled once for every service test."""
    return load_package()


@pytest.fixture(scope="session")
def signer() -> Signer:
    """A CDS Client's ES384 key (key id k1)."""
    return Signer(ec.generate_private_key(ec.SECP384R1()), "k1")
