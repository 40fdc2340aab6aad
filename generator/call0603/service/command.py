"""`call0603 serve`: the package's FHIR operations and CDS Hooks services over HTTP (uvicorn)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Optional

import typer

from .. import paths

HOST_HELP = "Address to listen on (127.0.0.1: this machine only)."
PORT_HELP = "Port to listen on (0: any free port, printed at start-up)."
CLIENTS_HELP = ("JSON allow-list of CDS Client JWT issuers: {\"issuers\": {\"<iss>\": {\"jwks\": {...}} or "
                "{\"jwks_url\": \"https://...\"}}}.")
UNAUTH_HELP = "Accept CDS Hooks calls without a client JWT. For local testing only."
PUBLIC_HELP = "The service's URL as CDS Clients call it (for the JWT aud check behind a proxy)."
AS_OF_HELP = "Evaluate as of this date, YYYY-MM-DD (default: each request's date at UTC)."


def _listen(host: str, port: int) -> socket.socket:
    """A bound, listening socket, so the real port is known (and printed) before serving."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help=HOST_HELP),
    port: int = typer.Option(8080, "--port", help=PORT_HELP),
    package: Optional[Path] = typer.Option(None, "--package", help="The package folder to serve (default: this repository's)."),
    cds_clients: Optional[Path] = typer.Option(None, "--cds-clients", help=CLIENTS_HELP),
    allow_unauthenticated: bool = typer.Option(False, "--allow-unauthenticated", help=UNAUTH_HELP),
    public_url: Optional[str] = typer.Option(None, "--public-url", help=PUBLIC_HELP),
    as_of: Optional[str] = typer.Option(None, "--as-of", help=AS_OF_HELP),
    max_body: int = typer.Option(8 * 1024 * 1024, "--max-body", help="Largest request body accepted, in bytes."),
    timeout: float = typer.Option(30.0, "--timeout", help="Seconds a request may take before it is answered 503."),
) -> None:
    """Serve PlanDefinition/$apply, Library/$evaluate and CDS Hooks (patient-view, order-sign) over HTTP."""
    import uvicorn

    from ..evaluator.context import PackageError
    from ..evaluator.inputs import InputRefused, parse_date
    from .app import Settings, create_app
    from .auth import JwtVerifier, load_issuers
    from .package import load_package

    if cds_clients is None and not allow_unauthenticated:
        typer.echo("call0603 serve: give --cds-clients FILE (trusted CDS Client issuers), or "
                   "--allow-unauthenticated for local testing", err=True)
        raise typer.Exit(2)
    try:
        verifier = None if allow_unauthenticated else JwtVerifier(load_issuers(cds_clients))  # type: ignore[arg-type]
        fixed = parse_date(as_of, "--as-of", "serve") if as_of is not None else None
        pkg = load_package(package or paths.REPO)
    except (OSError, ValueError, PackageError) as e:
        typer.echo(f"call0603 serve: {e}", err=True)
        raise typer.Exit(1) from None
    except InputRefused as refused:
        typer.echo(f"call0603 serve: {refused.reason}", err=True)
        raise typer.Exit(2) from None
    if allow_unauthenticated:
        typer.echo("call0603 serve: WARNING: CDS Hooks calls are NOT authenticated (--allow-unauthenticated); "
                   "never expose this service beyond local testing", err=True)
    sock = _listen(host, port)
    settings = Settings(verifier=verifier, public_url=public_url, max_body=max_body, timeout=timeout, as_of=fixed)
    bound = sock.getsockname()[1]
    typer.echo(f"call0603 serve: listening on http://{host}:{bound} (FHIR at /fhir, CDS Hooks at /cds-services)")
    sys.stdout.flush()
    config = uvicorn.Config(create_app(pkg, settings), log_level="warning", access_log=False,
                            timeout_graceful_shutdown=5)
    uvicorn.Server(config).run(sockets=[sock])


def register(app: typer.Typer) -> None:
    """Add `serve` to the call0603 command line."""
    app.command("serve")(serve_command)
