"""Runs the pinned node tools in `tools/` (build- and test-time only: the evaluator never needs node)."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from .paths import TOOLS


class NodeToolError(RuntimeError):
    """A node tool could not be run or did not answer."""


def ensure_tools() -> Path:
    """Install the locked node tools on first use (npm ci against tools/package-lock.json)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise NodeToolError("node and npm are needed to build artifacts and run cross-engine tests (node 20+)")
    if not (TOOLS / "node_modules" / ".package-lock.json").exists():
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=TOOLS, capture_output=True, text=True,
        )
        if done.returncode != 0:
            raise NodeToolError(f"npm ci in {TOOLS} failed: {done.stderr.strip()[-2000:]}")
    return TOOLS


def run_json(script: str, request: Any, *, timeout: float | None = None) -> Any:
    """Run `node tools/<script> OUT` with `request` as JSON on stdin and return the JSON it wrote to OUT."""
    ensure_tools()
    with tempfile.TemporaryDirectory(prefix="call0603-node-") as tmp:
        out = Path(tmp) / "out.json"
        done = subprocess.run(
            ["node", str(TOOLS / script), str(out)],
            input=json.dumps(request), capture_output=True, text=True, timeout=timeout,
        )
        if done.returncode != 0 or not out.exists():
            raise NodeToolError(f"node {script} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
        return json.loads(out.read_text(encoding="utf-8"))
