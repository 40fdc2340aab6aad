"""Generators: guideline/ → CQL, ELM and the FHIR R4 artifacts of the package, and where they are written.

`build_resources(guideline)` makes every resource; `build_files(guideline)` adds the transaction Bundle and the
NPM package (which also carries the guideline document, `package/other/guideline.json`, for evaluation) and maps everything to its repository path (see `write.py` for the layout). Both are pure: the
same guideline gives byte-identical files on every run (fixed date from guideline/, sorted keys, stable ids).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..guideline.document import PACKAGE_PATH as GUIDELINE_DOCUMENT
from ..guideline.document import document_json
from ..guideline.model import Guideline
from .activitydefinition import build_activity_definitions
from .bundle import build_transaction_bundle
from .narrative import with_narrative
from .rules_doc import RULES_DOC, render_rules
from .npm import PackageManifest, build_tgz, package_files
from .plandefinition import build_plan_definition
from .validate import PackageContext
from .write import artifact_files

#: The implementation guides whose profiles the artifacts claim, as FHIR package dependencies.
PACKAGE_DEPENDENCIES: dict[str, str] = {
    "hl7.fhir.r4.core": "4.0.1",
    "hl7.fhir.uv.cpg": "2.0.0",
    "hl7.fhir.uv.crmi": "1.0.0",
    "hl7.fhir.uv.cql": "1.0.0",
}


@dataclass(frozen=True)
class BuiltPackage:
    """Everything one build produces: the resources and every file by repository path."""

    resources: tuple[dict[str, Any], ...]
    files: dict[str, bytes]
    context: PackageContext


def build_resources(guideline: Guideline) -> list[dict[str, Any]]:
    """Every resource of the package: terminology, the Library, the ActivityDefinitions and the PlanDefinition."""
    from .library import build_library_resources
    from .terminology import build_terminology

    resources = [*build_terminology(guideline), *build_library_resources(guideline)]
    resources += build_activity_definitions(guideline)
    resources.append(build_plan_definition(guideline))
    resources = [with_narrative(r, guideline) for r in resources]
    return sorted(resources, key=lambda r: (r["resourceType"], r["id"]))


def manifest(guideline: Guideline) -> PackageManifest:
    """The package.json of the FHIR NPM package, from guideline/package.yaml."""
    p = guideline.package
    return PackageManifest(
        name=p.npm_name, version=p.version, title=p.title, description=" ".join(p.description.split()),
        author=p.publisher, canonical=p.canonical, date=p.date, fhir_version=p.fhir_version,
        dependencies=PACKAGE_DEPENDENCIES,
    )


def package_context(guideline: Guideline) -> PackageContext:
    """What the validators accept as external: FHIRHelpers (declared, not shipped) and the external code systems."""
    p = guideline.package
    external = {p.fhirhelpers_url, p.fhirhelpers_canonical, *guideline.terminology.systems.values()}
    return PackageContext(canonical=p.canonical, external=frozenset(external))


def build_package(guideline: Guideline) -> BuiltPackage:
    """Build every resource and every file (resources, decoded CQL/ELM, Bundle, NPM package)."""
    p = guideline.package
    resources = build_resources(guideline)
    bundle = build_transaction_bundle(resources, bundle_id=p.id, canonical=p.canonical, timestamp=f"{p.date}T00:00:00Z")
    contents = package_files(manifest(guideline), resources)
    contents[GUIDELINE_DOCUMENT] = document_json(guideline.document)
    tgz = build_tgz(contents, mtime_date=p.date)
    from .library import compile_fhirhelpers

    files = artifact_files(resources, bundle=bundle, package_name=f"{p.npm_name}-{p.version}", package_tgz=tgz,
                           fhirhelpers_elm=compile_fhirhelpers(guideline).elm,
                           docs={RULES_DOC: render_rules(guideline)})
    return BuiltPackage(tuple(resources), files, package_context(guideline))
