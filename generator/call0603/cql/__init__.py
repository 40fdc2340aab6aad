"""A CQL engine for Python: compiles ELM JSON once into Python functions and evaluates them over FHIR R4 data.

    engine = Engine([fhirhelpers_elm, my_library_elm])
    results = engine.evaluate("MyLibrary", data=PatientData.from_resources(bundle_resources),
                              parameters={"Start": start}, now=now, terminology=Terminology.from_resources(vs))
"""

from __future__ import annotations

from .datatypes.code import Code, CodeSystem, Concept, ValueSet
from .datatypes.tuple import Tuple
from .fhir.data import PatientData
from .fhir.terminology import Terminology
from .runtime.compiler import CompileOptions
from .runtime.context import Context
from .runtime.errors import CqlRuntimeError, ElmLoadError
from .runtime.executor import Engine
from .runtime.library import CompiledLibrary

__all__ = [
    "Code", "CodeSystem", "CompileOptions", "CompiledLibrary", "Concept", "Context", "CqlRuntimeError",
    "ElmLoadError", "Engine", "PatientData", "Terminology", "Tuple", "ValueSet",
]
