"""The HL7 CQL conformance runner: the cql-tests XML suite, translated by the reference translator and run here."""

from __future__ import annotations
