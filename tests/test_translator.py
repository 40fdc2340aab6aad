"""The reference translator bridge: clean CQL gives ELM; a bad unit is an error with its place."""

from __future__ import annotations

from call0603.translator import translate


def test_translates_and_reports_errors_with_location() -> None:
    results = translate(
        {
            "Good": "library Good version '1.0.0'\nusing FHIR version '4.0.1'\ninclude Helper version '1' called H\ndefine X: H.One + 1",
            "Helper": "library Helper version '1'\ndefine One: 1",
            "Bad": "library Bad version '1.0.0'\ndefine Y: 5 'Kx/uL'",
        },
        ["Good", "Bad"],
    )
    good, bad = results["Good"], results["Bad"]
    assert good.clean
    assert good.elm["library"]["identifier"] == {"id": "Good", "version": "1.0.0"}
    assert [d["name"] for d in good.elm["library"]["statements"]["def"]][-1] == "X"
    assert bad.elm is None
    assert "Kx" in bad.errors[0].message
    assert bad.errors[0].line == 2
