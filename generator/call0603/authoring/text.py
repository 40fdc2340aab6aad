"""The sentences the artifacts say about the regimen, made from guideline/ values only (never typed numbers), so an
edited threshold, day or dose reads the same in every title, description, usage and narrative."""

from __future__ import annotations

from typing import Iterable

from ..guideline.model import Agent, Citation, Guideline, IdarubicinDay, MarrowExam
from ..guideline.words import amount_text, number_text

#: How a UCUM unit reads for people, and how a route reads in a dose line.
UNIT_DISPLAY = {"mg/m2": "mg/m2", "[iU]/m2": "IU/m2"}
ROUTE_WORDS = {"oral": "orally", "intravenous": "IV", "intramuscular": "IM", "intrathecal": "intrathecally"}


def day_list(days: Iterable[int], conjunction: str = "and") -> str:
    """`0, 7, 14 and 21` (or `14`; `14 or 21` with conjunction `or`)."""
    items = [str(d) for d in days]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


def study_days(days: tuple[int, ...], daily: bool = False) -> str:
    """`study days 0, 7, 14 and 21`, `study day 14`, or `daily, study days 0-27`."""
    if daily:
        return f"daily, study days {days[0]}-{days[-1]}"
    return f"study day {days[0]}" if len(days) == 1 else f"study days {day_list(days)}"


def dose_line(agent: Agent) -> str:
    """`Idarubicin 10 mg/m2 IV`: the protocol dose as a clinician reads it."""
    per_day = "/day" if agent.dose.per_day else ""
    unit = UNIT_DISPLAY.get(agent.dose.unit, agent.dose.unit)
    return f"{agent.title} {number_text(agent.dose.value)} {unit}{per_day} {ROUTE_WORDS.get(agent.route_id, agent.route_id)}"


def source(cite: Citation) -> str:
    """Where a rule comes from: the section of the paper (its words are in docs/rules.md, beside the values used)."""
    return f"Source: the trial publication, {cite.section}."


def withholding(guideline: Guideline) -> str:
    """The withholding rule in words, from its thresholds, days, override and the count look-back."""
    rule, settings = guideline.regimen.withholding, guideline.settings
    agent = guideline.regimen.agent(rule.agent)
    lookback = f"day d-{settings.count_lookback_days} to day d" if settings.count_lookback_days else "day d"
    override_day = rule.override_marrow.removeprefix("day")
    override = ("it is given regardless of the counts" if rule.override_days == rule.days
                else f"it is given on {study_days(rule.override_days)} regardless of the counts")
    return (
        f"{agent.title} is withheld on study day {day_list(rule.days, 'or')} when the absolute neutrophil count is below "
        f"{amount_text(rule.anc_below)} or the platelet count is below {amount_text(rule.platelets_below)} "
        f"(the latest valid results dated {lookback}), unless the day-{override_day} bone marrow is "
        f"{rule.override_status}: then {override}."
    )


def day_rule(guideline: Guideline, entry: IdarubicinDay) -> str:
    """What decides the dose of one day: the withholding rule on its days, else only a recorded death."""
    if entry.conditional:
        return withholding(guideline)
    agent = guideline.regimen.agent(guideline.regimen.withholding.agent)
    return f"Study day {entry.day} has no count rule: {agent.title.lower()} is withheld only on or after a recorded date of death."


def marrow_condition(guideline: Guideline, exam: MarrowExam) -> str:
    """When a marrow examination is due, with the window of days that counts as its day."""
    window = f"done on study day {exam.day} (a result dated day {exam.window.first}-{exam.window.last} counts)"
    if exam.only_if_not is None:
        return window[0].upper() + window[1:] + "."
    other, status = exam.only_if_not
    return f"Only if the {other.replace('day', 'day-')} marrow is not {status}; {window}."
