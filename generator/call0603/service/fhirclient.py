"""A FHIR R4 REST client for reading one patient's data: reads and searches with timeouts, a bearer token and
searchset paging, bounded in pages so a server that never stops paging cannot hold a request forever."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import httpx
from ..evaluator.reading import NotJson, loads

FHIR_JSON = "application/fhir+json"

#: Pages followed per search before the read is refused (a search of one patient's data is far smaller).
MAX_PAGES = 50


class FhirServerError(Exception):
    """The FHIR server could not be read (unreachable, an error status, or not FHIR); says which URL and why."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


@dataclass
class FhirClient:
    """Reads from one FHIR server; `token` is sent as `Authorization: Bearer`."""

    base: str
    token: str | None = None
    timeout: float = 10.0
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.base = self.base.rstrip("/") + "/"

    def _client(self) -> httpx.Client:
        headers = {"Accept": FHIR_JSON, **self.headers}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return httpx.Client(headers=headers, timeout=self.timeout, follow_redirects=False)

    def _get(self, client: httpx.Client, url: str) -> Any:
        try:
            answer = client.get(url)
        except httpx.TimeoutException:
            raise FhirServerError(url, f"no answer within {self.timeout:g} s") from None
        except httpx.HTTPError as e:
            raise FhirServerError(url, f"cannot be reached ({type(e).__name__})") from None
        if answer.status_code == 404:
            raise FhirServerError(url, "not found (404)", 404)
        if answer.status_code in (401, 403):
            raise FhirServerError(url, f"access refused ({answer.status_code})", answer.status_code)
        if answer.status_code >= 400:
            raise FhirServerError(url, f"answered {answer.status_code}", answer.status_code)
        try:
            return loads(answer.content)
        except NotJson:
            raise FhirServerError(url, "the answer is not JSON") from None

    def get(self, relative: str) -> Any:
        """GET a path relative to the base (a read such as `Patient/p1`)."""
        with self._client() as client:
            return self._get(client, urljoin(self.base, relative))

    def search(self, relative: str) -> list[dict[str, Any]]:
        """Every resource of a search (`Observation?subject=Patient/p1`), following `next` links."""
        with self._client() as client:
            return self._search(client, relative)

    def _search(self, client: httpx.Client, relative: str) -> list[dict[str, Any]]:
        url: str | None = urljoin(self.base, relative)
        found: list[dict[str, Any]] = []
        total: Any = None
        for _ in range(MAX_PAGES):
            assert url is not None
            bundle = self._get(client, url)
            if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
                raise FhirServerError(url, "a search did not answer a Bundle")
            total = bundle.get("total") if total is None else total
            found += [e["resource"] for e in bundle.get("entry") or []
                      if isinstance(e, dict) and isinstance(e.get("resource"), dict)
                      and (e.get("search") or {}).get("mode", "match") == "match"]
            url = next((link.get("url") for link in bundle.get("link") or [] if link.get("relation") == "next"), None)
            if url is None:
                if isinstance(total, int) and len(found) < total:
                    raise FhirServerError(urljoin(self.base, relative), f"the search matched {total} resources but "
                                          f"gave {len(found)} and no link to the rest")
                return found
        raise FhirServerError(urljoin(self.base, relative), f"more than {MAX_PAGES} pages of results")

    def read_all(self, queries: list[str]) -> list[dict[str, Any]]:
        """Answer each query in turn on one connection: a read gives its resource, a search its matches."""
        resources: list[dict[str, Any]] = []
        with self._client() as client:
            for query in queries:
                if "?" in query:
                    resources += self._search(client, query)
                else:
                    resource = self._get(client, urljoin(self.base, query))
                    if isinstance(resource, dict) and resource.get("resourceType") == "Bundle":
                        resources += [e["resource"] for e in resource.get("entry") or [] if isinstance(e.get("resource"), dict)]
                    elif isinstance(resource, dict):
                        resources.append(resource)
        return resources
