"""Engine tests run on both ELM flavours: with result types and without them."""

from __future__ import annotations

from typing import Iterator

import pytest

import engine_kit

FLAVOUR = "elm_flavour"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise every test of a module that builds engines with the kit by the ELM flavour."""
    if any(getattr(metafunc.module, name, None) is getattr(engine_kit, name) for name in ("engine", "translate_all")):
        metafunc.fixturenames.append(FLAVOUR)
        metafunc.parametrize(FLAVOUR, list(engine_kit.FLAVOURS))


@pytest.fixture(autouse=True)
def _kit_flavour(request: pytest.FixtureRequest) -> Iterator[None]:
    """Set the kit's translator options for the test's flavour (the package's when the test has none)."""
    callspec = getattr(request.node, "callspec", None)
    engine_kit.flavour = callspec.params.get(FLAVOUR, "result-types") if callspec else "result-types"
    yield
    engine_kit.flavour = "result-types"
