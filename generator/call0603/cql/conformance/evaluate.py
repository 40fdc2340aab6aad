"""Judges one suite test: its translation, then the engine's value of "Expression" against "Output"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...translator import Translation
from .compare import conforms, render
from .isolation import TimeLimitExceeded
from .sources import EXPRESSION, OUTPUT, SuiteLibrary
from .suite import SuiteTest

#: The evaluation request's `now` for every test: Now(), Today() and TimeOfDay() derive from it, and DateTime
#: literals without an offset take its offset. A leap day, late in the evening, west of UTC: an engine that
#: reads the machine clock, or shifts to UTC, gets a different date (2024-03-01) and fails the Today() tests.
EVALUATION_NOW = "@2024-02-29T23:30:00.000-05:00"

PASSED = "passed"
#: Statuses of a failed test, each with what it means.
FAILURES = {
    "wrong-result": "the expression evaluated to a value other than the expected output",
    "runtime-error": "evaluating the expression raised an error",
    "no-error": "an error was expected, but the expression evaluated to a value",
    "wrong-error": "a run-time CqlRuntimeError was expected, but another exception was raised",
    "translated": "a compile error was expected, but the reference translator accepted the expression",
    "untranslatable": "the reference translator rejected the expression",
    "output-untranslatable": "the reference translator rejected the expected output",
    "output-error": "evaluating the expected output raised an error",
    "load-error": "the engine could not load the translated library",
    "lost": "the test ran out of time or its worker process died",
}


@dataclass(frozen=True)
class Outcome:
    """The verdict on one test, with the expected text, the actual value's text and any error."""

    id: str
    file: str
    group: str
    name: str
    expression: str
    expected: str | None
    invalid: str | None
    status: str
    actual: str | None = None
    error: str | None = None

    @property
    def passed(self) -> bool:
        """True when the engine did what the suite expects."""
        return self.status == PASSED


@dataclass(frozen=True)
class Prepared:
    """A test with its library and the reference translator's answer, ready to evaluate."""

    test: SuiteTest
    library: SuiteLibrary
    translation: Translation


def outcome(test: SuiteTest, status: str, *, actual: str | None = None, error: str | None = None) -> Outcome:
    """An Outcome for `test`."""
    return Outcome(test.id, test.file, test.group, test.name, test.expression, test.output, test.invalid,
                   status, actual, error)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _translation_verdict(prepared: Prepared) -> Outcome | None:
    test, translation = prepared.test, prepared.translation
    if translation.errors:
        messages = "; ".join(str(m) for m in translation.errors)
        if test.invalid is not None:
            return outcome(test, PASSED, error=f"rejected by the reference translator: {messages}")
        if all(prepared.library.in_output(m.line) for m in translation.errors):
            return outcome(test, "output-untranslatable", error=messages)
        return outcome(test, "untranslatable", error=messages)
    if test.expects_compile_error:
        return outcome(test, "translated")
    return None


def judge(prepared: Prepared, now: Any) -> Outcome:
    """Translate-check, load and evaluate one test; never raises except for the time limit."""
    test = prepared.test
    verdict = _translation_verdict(prepared)
    if verdict is not None:
        return verdict
    try:
        from .. import CqlRuntimeError, Engine
    except ImportError as error:
        return outcome(test, "load-error", error=f"the engine's public API is missing: {error}")
    try:
        engine = Engine([prepared.translation.elm])
    except TimeLimitExceeded:
        raise
    except Exception as error:
        return outcome(test, "load-error", error=_describe(error))

    def value_of(define: str) -> Any:
        return engine.evaluate(prepared.library.name, now=now, expressions=[define])[define]

    if test.expects_runtime_error:
        try:
            value = value_of(EXPRESSION)
        except TimeLimitExceeded:
            raise
        except CqlRuntimeError as error:
            return outcome(test, PASSED, error=_describe(error))
        except Exception as error:
            return outcome(test, "wrong-error", error=_describe(error))
        return outcome(test, "no-error", actual=render(value))
    try:
        expected = None if test.output is None else value_of(OUTPUT)
    except TimeLimitExceeded:
        raise
    except Exception as error:
        return outcome(test, "output-error", error=_describe(error))
    try:
        actual = value_of(EXPRESSION)
    except TimeLimitExceeded:
        raise
    except Exception as error:
        return outcome(test, "runtime-error", error=_describe(error))
    status = PASSED if conforms(expected, actual) else "wrong-result"
    return outcome(test, status, actual=render(actual))
