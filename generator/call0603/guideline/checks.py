"""Rules of the guideline that a JSON Schema cannot state: cross-references, orderings, code check digits."""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterator, Mapping

from .codes import CHECKERS
from .errors import PathPart

#: A rule violation before it is tied to a file: (part, path inside the part, message).
Finding = tuple[str, tuple[PathPart, ...], str]

WINDOW_NAMES = ("day7", "day14", "day28")

#: Each input concept with a plausible range, and the unit its rules compare in (the range's unit).
PLAUSIBLE_RANGE_UNITS = {
    "anc": "/uL", "platelets": "/uL", "hemoglobin": "g/dL", "marrow-blasts": "%", "peripheral-blasts-percent": "%",
    "peripheral-blasts-count": "/uL", "csf-wbc": "/uL", "csf-lymphoblasts": "/uL", "diagnosis-wbc": "/uL",
    "body-height": "cm", "body-weight": "kg", "bsa": "m2",
}


def check_document(doc: Mapping[str, Any]) -> list[Finding]:
    """Every cross-file and ordering rule; the document has already passed the JSON Schema."""
    return [
        *_libraries(doc),
        *_regimen(doc),
        *_settings(doc),
        *_assessment(doc),
        *_terminology(doc),
        *_unique_defines(doc),
        *_placeholders(doc),
    ]


#: The names placeholder_values gives (words.py), so a check needs no typed model.
PLACEHOLDERS = frozenset({"age_min", "age_below", "m2_from", "m3_above", "relapse_marrow_above", "csf_wbc_above",
                          "anc_below", "platelets_below"})


def _placeholders(doc: Mapping[str, Any]) -> Iterator[Finding]:
    """Free text that names a value (`{anc_below}`) names one the loader knows."""
    from .words import placeholders

    texts: list[tuple[str, tuple[PathPart, ...], str]] = [("package", ("description",), doc["package"]["description"])]
    for i, cs in enumerate(doc["terminology"]["code_systems"]):
        texts += [("terminology", ("code_systems", i, "concepts", j, "definition"), c["definition"]) for j, c in enumerate(cs["concepts"])]
    for part, path, text in texts:
        try:
            names = placeholders(text)
        except ValueError as e:
            yield part, path, f"a brace that is no placeholder: {e}"
            continue
        for name in names:
            if name not in PLACEHOLDERS:
                yield part, path, f"{{{name}}} names no guideline value (known: {', '.join(sorted(PLACEHOLDERS))})"


def _ascending(part: str, path: tuple[PathPart, ...], days: list[int]) -> Iterator[Finding]:
    if days != sorted(days):
        yield part, path, f"days must be in ascending order, got {days}"


def _schedule_days(schedule: Mapping[str, Any]) -> list[int]:
    if "daily" in schedule:
        return list(range(schedule["daily"]["first"], schedule["daily"]["last"] + 1))
    return list(schedule["days"])


def _window(part: str, path: tuple[PathPart, ...], window: Mapping[str, int]) -> Iterator[Finding]:
    if window["first"] > window["last"]:
        yield part, path, f"first day {window['first']} is after last day {window['last']}"


def _libraries(doc: Mapping[str, Any]) -> Iterator[Finding]:
    lib = doc["package"]["library"]
    if lib["common"]["name"] == lib["name"]:
        yield "package", ("library", "common", "name"), "the common library needs its own name"
    if lib["common"]["id"] == lib["id"]:
        yield "package", ("library", "common", "id"), "the common library needs its own id"


def _regimen(doc: Mapping[str, Any]) -> Iterator[Finding]:
    reg, terms = doc["regimen"], doc["terminology"]
    substances, routes = terms["substances"], terms["routes"]
    agents = {a["id"]: a for a in reg["agents"]}
    for i, dup in _duplicates([a["id"] for a in reg["agents"]]):
        yield "regimen", ("agents", i, "id"), f"agent id {dup!r} is used twice"
    for i, agent in enumerate(reg["agents"]):
        here = ("agents", i)
        if agent["substance"] not in substances:
            yield "regimen", (*here, "substance"), f"substance {agent['substance']!r} is not in terminology.substances"
        if agent["route"] not in routes:
            yield "regimen", (*here, "route"), f"route {agent['route']!r} is not in terminology.routes"
        if "days" in agent["schedule"]:
            yield from _ascending("regimen", (*here, "schedule", "days"), agent["schedule"]["days"])
        else:
            yield from _window("regimen", (*here, "schedule", "daily"), agent["schedule"]["daily"])
        if agent["dose"].get("per") == "day" and "daily" not in agent["schedule"]:
            yield "regimen", (*here, "dose", "per"), "a per-day dose needs a daily schedule"

    hold = reg["withholding"]
    agent = agents.get(hold["agent"])
    if agent is None:
        yield "regimen", ("withholding", "agent"), f"agent {hold['agent']!r} is not in regimen.agents"
        return
    agent_days = _schedule_days(agent["schedule"])
    yield from _ascending("regimen", ("withholding", "days"), hold["days"])
    for d in hold["days"]:
        if d not in agent_days:
            yield "regimen", ("withholding", "days"), f"day {d} is not a {hold['agent']} day {agent_days}"
    for d in hold["override"]["days"]:
        if d not in hold["days"]:
            yield "regimen", ("withholding", "override", "days"), f"override day {d} is not a withholding day {hold['days']}"
    marrow = {m["window"]: m for m in reg["marrow_exams"]}
    if hold["override"]["marrow_day"] not in marrow:
        yield "regimen", ("withholding", "override", "marrow_day"), "names no marrow examination of regimen.marrow_exams"
    elif marrow[hold["override"]["marrow_day"]]["day"] > min(hold["override"]["days"]):
        yield "regimen", ("withholding", "override", "marrow_day"), "the override marrow comes after the first day it overrides"
    cql_days = [entry["day"] for entry in hold["cql"]]
    if cql_days != agent_days:
        yield "regimen", ("withholding", "cql"), f"needs one entry per {hold['agent']} day {agent_days}, in order; got {cql_days}"

    statuses = [r["cns_status"] for r in reg["intrathecal"]["regimens"]]
    if sorted(statuses) != ["negative", "positive"]:
        yield "regimen", ("intrathecal", "regimens"), f"needs one regimen for CNS positive and one for CNS negative, got {statuses}"
    for i, it in enumerate(reg["intrathecal"]["regimens"]):
        here = ("intrathecal", "regimens", i)
        for j, sub in enumerate(it["substances"]):
            if sub not in substances:
                yield "regimen", (*here, "substances", j), f"substance {sub!r} is not in terminology.substances"
        if it["route"] not in routes:
            yield "regimen", (*here, "route"), f"route {it['route']!r} is not in terminology.routes"
        if "days" in it["schedule"]:
            yield from _ascending("regimen", (*here, "schedule", "days"), it["schedule"]["days"])

    windows = doc["settings"]["marrow_windows"]
    names = [m["window"] for m in reg["marrow_exams"]]
    if names != list(WINDOW_NAMES):
        yield "regimen", ("marrow_exams",), f"needs the examinations {list(WINDOW_NAMES)} in order, got {names}"
    for i, exam in enumerate(reg["marrow_exams"]):
        here = ("marrow_exams", i)
        window = windows[exam["window"]]
        if not window["first"] <= exam["day"] <= window["last"]:
            yield "regimen", (*here, "day"), f"day {exam['day']} is outside its window {window['first']}-{window['last']}"
        condition = exam.get("only_if_not")
        if condition is not None:
            if condition["window"] not in names[:i]:
                yield "regimen", (*here, "only_if_not", "window"), "must name an earlier marrow examination"
            if "condition" not in exam["cql"]:
                yield "regimen", (*here, "cql"), "a conditional examination needs cql.condition"
        elif "condition" in exam["cql"]:
            yield "regimen", (*here, "cql", "condition"), "an unconditional examination has no cql.condition"


def _settings(doc: Mapping[str, Any]) -> Iterator[Finding]:
    settings = doc["settings"]
    windows = settings["marrow_windows"]
    for name in WINDOW_NAMES:
        yield from _window("settings", ("marrow_windows", name), windows[name])
    for before, after in zip(WINDOW_NAMES, WINDOW_NAMES[1:]):
        if windows[before]["last"] >= windows[after]["first"]:
            yield "settings", ("marrow_windows", after), f"overlaps or precedes the {before} window"
    agents = {a["id"] for a in doc["regimen"]["agents"]}
    for i, cap in enumerate(settings["dose_caps"]["caps"]):
        if cap["agent"] not in agents:
            yield "settings", ("dose_caps", "caps", i, "agent"), f"agent {cap['agent']!r} is not in regimen.agents"
    for i, dup in _duplicates([c["agent"] for c in settings["dose_caps"]["caps"]]):
        yield "settings", ("dose_caps", "caps", i, "agent"), f"agent {dup!r} is capped twice"
    for concept, bounds in settings["plausible_ranges"]["ranges"].items():
        path = ("plausible_ranges", "ranges", concept)
        unit = PLAUSIBLE_RANGE_UNITS.get(concept)
        if unit is None:
            yield "settings", path, f"no input concept {concept!r} (one of {', '.join(sorted(PLAUSIBLE_RANGE_UNITS))})"
            continue
        for end in ("min", "max"):
            if bounds[end]["unit"] != unit:
                yield "settings", (*path, end, "unit"), f"must be {unit!r}, the unit the rules compare {concept} in"
        if bounds["min"]["value"] >= bounds["max"]["value"]:
            yield "settings", path, f"min {bounds['min']['value']} must be below max {bounds['max']['value']}"
    yield from _dose_units(doc)


def _dose_units(doc: Mapping[str, Any]) -> Iterator[Finding]:
    """Every agent has one rounding increment, and increments and caps are in the unit of its ordered dose."""
    settings = doc["settings"]
    ordered = {a["id"]: a["dose"]["unit"].removesuffix("/m2") for a in doc["regimen"]["agents"]}
    rounding = settings["dispensable_doses"]["rounding"]
    for i, entry in enumerate(rounding):
        here = ("dispensable_doses", "rounding", i)
        if entry["agent"] not in ordered:
            yield "settings", (*here, "agent"), f"agent {entry['agent']!r} is not in regimen.agents"
        elif entry["increment"]["unit"] != ordered[entry["agent"]]:
            yield "settings", (*here, "increment", "unit"), f"must be {ordered[entry['agent']]!r}, the unit of the ordered dose"
    for i, dup in _duplicates([r["agent"] for r in rounding]):
        yield "settings", ("dispensable_doses", "rounding", i, "agent"), f"agent {dup!r} is rounded twice"
    for agent in sorted(set(ordered) - {r["agent"] for r in rounding}):
        yield "settings", ("dispensable_doses", "rounding"), f"agent {agent!r} has no rounding increment"
    for i, cap in enumerate(settings["dose_caps"]["caps"]):
        if cap["agent"] in ordered and cap["max"]["unit"] != ordered[cap["agent"]]:
            yield "settings", ("dose_caps", "caps", i, "max", "unit"), f"must be {ordered[cap['agent']]!r}, the unit of the ordered dose"


def _assessment(doc: Mapping[str, Any]) -> Iterator[Finding]:
    a = doc["assessment"]
    if a["marrow_status"]["m2_from"]["value"] > a["marrow_status"]["m3_above"]["value"]:
        yield "assessment", ("marrow_status", "m2_from"), "the M2 lower bound must not exceed the M3 bound"
    for key, path in (("age_years", ("eligibility", "age_years")), ("standard_age_years", ("risk_group", "standard_age_years"))):
        ages = a[path[0]][key]
        if ages["min"] >= ages["below"]:
            yield "assessment", path, f"min {ages['min']} must be below {ages['below']}"
    findings = {c["code"] for cs in doc["terminology"]["code_systems"] if cs["id"] == "cytogenetics" for c in cs["concepts"]}
    groups = a["cytogenetic_groups"]
    seen: Counter[str] = Counter()
    for group in ("unfavorable", "favorable", "normal", "other"):
        for j, code in enumerate(groups[group]):
            seen[code] += 1
            if code not in findings:
                yield "assessment", ("cytogenetic_groups", group, j), f"{code!r} is not a concept of CodeSystem cytogenetics"
    for code, count in sorted(seen.items()):
        if count > 1:
            yield "assessment", ("cytogenetic_groups",), f"{code!r} is in more than one group"
    for j, code in enumerate(a["risk_group"]["high_risk_findings"]):
        if code not in findings:
            yield "assessment", ("risk_group", "high_risk_findings", j), f"{code!r} is not a concept of CodeSystem cytogenetics"
    sites = doc["terminology"]["body_sites"]
    for key, path in (("clinical_signs_sites", "cns"), ("non_marrow_sites", "extramedullary")):
        for j, site in enumerate(a[path][key]):
            if site not in sites:
                yield "assessment", (path, key, j), f"body site {site!r} is not in terminology.body_sites"
    for name in ("neutropenia", "thrombocytopenia", "anemia"):
        rows = a["toxicity"][name]
        grades = [r["grade"] for r in rows]
        limits = [r["below"]["value"] for r in rows]
        if grades != sorted(grades, reverse=True) or len(set(grades)) != len(grades):
            yield "assessment", ("toxicity", name), f"grades must be distinct and descending, got {grades}"
        if limits != sorted(limits) or len(set(limits)) != len(limits):
            yield "assessment", ("toxicity", name), "thresholds must rise strictly as the grade falls"


def _terminology(doc: Mapping[str, Any]) -> Iterator[Finding]:
    terms = doc["terminology"]
    own = {cs["id"]: {c["code"] for c in cs["concepts"]} for cs in terms["code_systems"]}
    for i, dup in _duplicates([cs["id"] for cs in terms["code_systems"]]):
        yield "terminology", ("code_systems", i, "id"), f"CodeSystem id {dup!r} is used twice"
    for i, cs in enumerate(terms["code_systems"]):
        for j, dup in _duplicates([c["code"] for c in cs["concepts"]]):
            yield "terminology", ("code_systems", i, "concepts", j, "code"), f"code {dup!r} is defined twice"
        if cs["id"] in terms["systems"]:
            yield "terminology", ("code_systems", i, "id"), f"{cs['id']!r} is already an external system key"
    for i, dup in _duplicates([vs["id"] for vs in terms["value_sets"]]):
        yield "terminology", ("value_sets", i, "id"), f"ValueSet id {dup!r} is used twice"
    for i, dup in _duplicates([vs["name"] for vs in terms["value_sets"]]):
        yield "terminology", ("value_sets", i, "name"), f"ValueSet name {dup!r} is used twice"

    for name, sub in terms["substances"].items():
        for system in ("rxnorm", "snomed"):
            problem = CHECKERS[system](sub[system]["code"])
            if problem:
                yield "terminology", ("substances", name, system, "code"), problem
    coded: list[tuple[tuple[PathPart, ...], Mapping[str, Any]]] = []
    coded += [(("routes", k), v) for k, v in terms["routes"].items()]
    coded += [(("body_sites", k, j), v) for k, vs in terms["body_sites"].items() for j, v in enumerate(vs)]
    coded += [(("procedures", k), v) for k, v in terms["procedures"].items()]
    coded += [(("value_sets", i, "codes", j), v) for i, vs in enumerate(terms["value_sets"]) for j, v in enumerate(vs["codes"])]
    for path, code in coded:
        yield from _code(terms, own, path, code)
    for i, vs in enumerate(terms["value_sets"]):
        pairs = [(c["system"], c["code"]) for c in vs["codes"]]
        for j, dup in _duplicates(pairs):
            yield "terminology", ("value_sets", i, "codes", j), f"{dup[0]}#{dup[1]} is listed twice"


def _code(terms: Mapping[str, Any], own: Mapping[str, set[str]], path: tuple[PathPart, ...], code: Mapping[str, Any]) -> Iterator[Finding]:
    system = code["system"]
    if system in own:
        if code["code"] not in own[system]:
            yield "terminology", (*path, "code"), f"{code['code']!r} is not a concept of CodeSystem {system}"
        return
    if system not in terms["systems"]:
        yield "terminology", (*path, "system"), f"system {system!r} is neither in terminology.systems nor a package CodeSystem"
        return
    checker = CHECKERS.get(system)
    problem = checker(code["code"]) if checker else None
    if problem:
        yield "terminology", (*path, "code"), problem


def _unique_defines(doc: Mapping[str, Any]) -> Iterator[Finding]:
    reg = doc["regimen"]
    names: list[tuple[str, tuple[PathPart, ...], str]] = []
    names += [("package", ("library", "defines", k), v) for k, v in doc["package"]["library"]["defines"].items()]
    names += [("regimen", ("agents", i, "cql", "ordered_dose"), a["cql"]["ordered_dose"]) for i, a in enumerate(reg["agents"])]
    for i, entry in enumerate(reg["withholding"]["cql"]):
        names += [("regimen", ("withholding", "cql", i, k), entry[k]) for k in ("decision", "give", "withhold", "indeterminate", "undecided", "reason", "supporting", "dose")]
    names.append(("regimen", ("intrathecal", "cql", "undetermined"), reg["intrathecal"]["cql"]["undetermined"]))
    names.append(("regimen", ("intrathecal", "cql", "reason"), reg["intrathecal"]["cql"]["reason"]))
    names += [("regimen", ("intrathecal", "regimens", i, "cql", "condition"), r["cql"]["condition"]) for i, r in enumerate(reg["intrathecal"]["regimens"])]
    for i, exam in enumerate(reg["marrow_exams"]):
        names += [("regimen", ("marrow_exams", i, "cql", k), v) for k, v in exam["cql"].items()]
    counts = Counter(name for _, _, name in names)
    for part, path, name in names:
        if counts[name] > 1:
            yield part, path, f"CQL define name {name!r} is used for more than one purpose"


def _duplicates(values: list[Any]) -> Iterator[tuple[int, Any]]:
    seen: set[Any] = set()
    for i, value in enumerate(values):
        if value in seen:
            yield i, value
        seen.add(value)
