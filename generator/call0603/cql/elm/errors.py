"""Message: log a message (Trace, Message, Warning) or stop the evaluation (Error); returns its source."""

from __future__ import annotations

from typing import Any

from ..runtime.errors import CqlRuntimeError
from .registry import Compiled, Compiler, compiles


@compiles("Message")
def _message(node: dict[str, Any], compiler: Compiler) -> Compiled:
    source = compiler.compile(node["source"])
    condition = compiler.compile_optional(node.get("condition"))  # type: ignore[attr-defined]
    code = compiler.compile_optional(node.get("code"))  # type: ignore[attr-defined]
    severity = compiler.compile_optional(node.get("severity"))  # type: ignore[attr-defined]
    message = compiler.compile_optional(node.get("message"))  # type: ignore[attr-defined]

    def run(ctx: Any) -> Any:
        value = source(ctx)
        if condition is not None and condition(ctx) is not True:
            return value
        level = (severity(ctx) if severity else None) or "Message"
        text = message(ctx) if message else None
        code_value = code(ctx) if code else None
        if str(level).lower() == "error":
            raise CqlRuntimeError(f"{code_value or 'Error'}: {text or ''}".rstrip(": "), source=value, code=code_value)
        ctx.messages.append((str(level), code_value, text, value))
        return value
    return run
