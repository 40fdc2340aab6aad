"""`call0603 synth`: a synthetic population written as Bulk Data NDJSON, one file per resource type, with a manifest."""

from __future__ import annotations

import datetime as _dt
import gzip
import json
from collections import Counter
from pathlib import Path
from typing import BinaryIO, Iterator

import orjson

from ..canonical import plan_definition_url
from .plans import Plan, paper_plans, random_plan
from .resources import patient_resources

#: Follow-up is drawn up to these dates; the manifest names them as the as-of date that sees all of it.
RANDOM_HORIZON = _dt.date(2025, 12, 31)
PAPER_HORIZON = _dt.date(2017, 12, 31)


def plans(patients: int, seed: int, paper: bool) -> Iterator[Plan]:
    """The population's plans in patient order (the paper population has its 44 patients, whatever `patients` says)."""
    if paper:
        yield from paper_plans(seed, PAPER_HORIZON)
    else:
        for index in range(1, patients + 1):
            yield random_plan(index, seed, RANDOM_HORIZON)


def synthesize(out: Path, patients: int, seed: int = 0, paper: bool = False, gzip_files: bool = False) -> dict:
    """Write the population to `out` (one NDJSON file per resource type) and `synth.json`; return the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    handles: dict[str, BinaryIO] = {}
    resources: Counter = Counter()
    responses: Counter = Counter()
    count = 0
    try:
        for plan in plans(patients, seed, paper):
            count += 1
            responses[plan.response] += 1
            for resource in patient_resources(plan, seed):
                kind = resource["resourceType"]
                handle = handles.get(kind)
                if handle is None:
                    name = f"{kind}.ndjson" + (".gz" if gzip_files else "")
                    handle = handles[kind] = gzip.open(out / name, "wb", compresslevel=1) if gzip_files else (out / name).open("wb")
                handle.write(orjson.dumps(resource, option=orjson.OPT_APPEND_NEWLINE))
                resources[kind] += 1
    finally:
        for handle in handles.values():
            handle.close()
    manifest = {
        "population": "paper" if paper else "random", "seed": seed, "patients": count,
        "asOf": (PAPER_HORIZON if paper else RANDOM_HORIZON).isoformat(), "planDefinition": plan_definition_url(),
        "resources": dict(sorted(resources.items())), "plannedResponses": dict(sorted(responses.items())),
    }
    (out / "synth.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
