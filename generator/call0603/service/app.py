"""The ASGI application: FHIR operations under `/fhir`, CDS Hooks under `/cds-services`, with request size and
time limits, client JWTs checked on every hook call, and no patient data in any log line."""

from __future__ import annotations

import asyncio
import datetime as _dt
import logging
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..evaluator.apply import ApplyError
from ..evaluator.context import PackageError
from ..evaluator.inputs import InputRefused
from ..evaluator.reading import NotJson, loads
from . import hooks
from .auth import AuthError, JwtVerifier
from .capability import capability_statement
from .datasource import DataUnavailable
from .operations import apply_operation, evaluate_operation
from .outcome import OperationError, operation_outcome
from .package import ServedPackage

FHIR_JSON = "application/fhir+json"
LOG = logging.getLogger("call0603.service")


@dataclass(frozen=True)
class Settings:
    """How the service runs: limits, authentication, its public URL, and the evaluation date."""

    verifier: JwtVerifier | None
    public_url: str | None = None
    max_body: int = 8 * 1024 * 1024
    timeout: float = 30.0
    as_of: _dt.date | None = None


def _today(settings: Settings) -> _dt.date:
    """The evaluation date: fixed by configuration, else today's date at UTC."""
    return settings.as_of or _dt.datetime.now(_dt.timezone.utc).date()


def _exact(value: Any) -> Any:
    """A Decimal read from FHIR JSON written back as the same JSON number."""
    if isinstance(value, Decimal):
        return orjson.Fragment(format(value, "f"))
    raise TypeError(f"{type(value).__name__} is not JSON")


def _json(document: Any, status: int = 200, media_type: str = "application/json") -> Response:
    return Response(orjson.dumps(document, default=_exact), status_code=status, media_type=media_type)


def _outcome(status: int, code: str, text: str) -> Response:
    return _json(operation_outcome(code, text), status, FHIR_JSON)


async def _body(request: Request, limit: int) -> Any:
    """The request's JSON body, refused past `limit` bytes (declared or streamed)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise OperationError(413, "too-costly", f"the request body is larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise OperationError(413, "too-costly", f"the request body is larger than {limit} bytes")
        chunks.append(chunk)
    try:
        return loads(b"".join(chunks))
    except NotJson:
        raise OperationError(400, "invalid", "the request body is not JSON") from None


async def _guarded(settings: Settings, media_type: str, work: Callable[[], Any]) -> Response:
    """Run `work` in a worker thread within the time limit, turning every failure into its OperationOutcome."""
    try:
        began = time.monotonic()
        answer = await asyncio.wait_for(run_in_threadpool(work), settings.timeout)
        if time.monotonic() - began > settings.timeout:  # finished, but after the limit (a busy loop saw it late)
            raise asyncio.TimeoutError
        return _json(answer, media_type=media_type)
    except OperationError as e:
        return _outcome(e.status, e.code, e.text)
    except InputRefused as refused:
        return _outcome(400, "invalid", f"call0603: {refused.source}: {refused.reason}")
    except DataUnavailable as e:
        return _outcome(412, "incomplete", str(e))
    except AuthError as e:
        return _outcome(401, "login", f"unauthorized: {e}")
    except asyncio.TimeoutError:
        return _outcome(503, "timeout", f"no answer within {settings.timeout:g} s")
    except (PackageError, ApplyError) as e:
        LOG.error("the package cannot answer: %s", type(e).__name__)
        return _outcome(500, "exception", f"call0603: {e}")
    except Exception as e:  # noqa: BLE001 - any other failure answers 500 without leaking data to the log
        LOG.error("internal error: %s", type(e).__name__)
        return _outcome(500, "exception", "internal error")


def create_app(pkg: ServedPackage, settings: Settings) -> Starlette:
    """The service over one loaded package."""
    metadata = capability_statement(pkg.library.get("date") or "", pkg.plan, pkg.library)

    def audience(request: Request) -> str:
        base = settings.public_url.rstrip("/") if settings.public_url else str(request.base_url).rstrip("/")
        return base + request.url.path

    def authenticate(request: Request) -> None:
        if settings.verifier is not None:
            settings.verifier.verify(request.headers.get("authorization"), audience(request))

    async def capability(_: Request) -> Response:
        return _json(metadata, media_type=FHIR_JSON)

    async def apply(request: Request) -> Response:
        plan_id = request.path_params.get("id")
        try:
            body = await _body(request, settings.max_body)
        except OperationError as e:
            return _outcome(e.status, e.code, e.text)
        return await _guarded(settings, FHIR_JSON, lambda: apply_operation(pkg, body, plan_id, _today(settings)))

    async def evaluate(request: Request) -> Response:
        try:
            body = await _body(request, settings.max_body)
        except OperationError as e:
            return _outcome(e.status, e.code, e.text)
        library_id = request.path_params["id"]
        return await _guarded(settings, FHIR_JSON, lambda: evaluate_operation(pkg, body, library_id, _today(settings)))

    async def discovery(_: Request) -> Response:
        return _json(hooks.discovery(pkg))

    def authenticated(answer: Callable[[str, Any], dict[str, Any]]) -> Callable[[Request], Any]:
        """A CDS Hooks endpoint: body read within the limit, the client's JWT checked, then `answer(id, body)`."""
        async def endpoint(request: Request) -> Response:
            service_id = request.path_params["id"]
            try:
                body = await _body(request, settings.max_body)
            except OperationError as e:
                return _outcome(e.status, e.code, e.text)

            def work() -> dict[str, Any]:
                authenticate(request)
                return answer(service_id, body)

            return await _guarded(settings, "application/json", work)
        return endpoint

    hook = authenticated(lambda service_id, body: hooks.call(pkg, service_id, body, _today(settings)))
    feedback = authenticated(lambda service_id, body: hooks.feedback(pkg, service_id, body))

    routes = [
        Route("/fhir/metadata", capability, methods=["GET"]),
        Route("/fhir/PlanDefinition/$apply", apply, methods=["POST"]),
        Route("/fhir/PlanDefinition/{id}/$apply", apply, methods=["POST"]),
        Route("/fhir/Library/{id}/$evaluate", evaluate, methods=["POST"]),
        Route("/cds-services", discovery, methods=["GET"]),
        Route("/cds-services/{id}", hook, methods=["POST"]),
        Route("/cds-services/{id}/feedback", feedback, methods=["POST"]),
    ]
    cors = Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"],
                      allow_headers=["Authorization", "Content-Type"])
    return Starlette(routes=routes, middleware=[cors])
