"""The transaction Bundle that loads every resource of the package into a FHIR server in one POST (PUT by id)."""

from __future__ import annotations

from typing import Any, Iterable

#: Entries go in this order: what is referenced before what refers to it (servers do not require it; readers like it).
TYPE_ORDER: tuple[str, ...] = ("CodeSystem", "ValueSet", "Library", "ActivityDefinition", "PlanDefinition")


def _order(resource: dict[str, Any]) -> tuple[int, str, str]:
    kind = resource["resourceType"]
    rank = TYPE_ORDER.index(kind) if kind in TYPE_ORDER else len(TYPE_ORDER)
    return rank, kind, resource["id"]


def build_transaction_bundle(resources: Iterable[dict[str, Any]], *, bundle_id: str, canonical: str, timestamp: str | None = None) -> dict[str, Any]:
    """A `transaction` Bundle with one `PUT <type>/<id>` entry per resource; fullUrl is `<canonical>/<type>/<id>`."""
    entries = []
    seen: set[tuple[str, str]] = set()
    for resource in sorted(resources, key=_order):
        key = (resource["resourceType"], resource["id"])
        if key in seen:
            raise ValueError(f"two resources share the identity {key[0]}/{key[1]}")
        seen.add(key)
        entries.append(
            {
                "fullUrl": f"{canonical}/{key[0]}/{key[1]}",
                "request": {"method": "PUT", "url": f"{key[0]}/{key[1]}"},
                "resource": resource,
            }
        )
    bundle: dict[str, Any] = {"resourceType": "Bundle", "id": bundle_id, "type": "transaction", "entry": entries}
    if timestamp is not None:
        bundle["timestamp"] = timestamp
    return bundle
