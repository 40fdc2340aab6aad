// Runs ELM libraries over FHIR R4 patient bundles with cql-execution + cql-exec-fhir, for cross-engine checks.
//
// Reads one JSON request on stdin:
//   {"libraries": [elm, ...],                 // the main library and everything it includes (ELM JSON)
//    "main": "LibName",                       // the library whose Patient-context definitions are evaluated
//    "patients": [bundle, ...]                // one Bundle per patient ...
//    | "ndjson": "/path/patients.ndjson",     // ... or a file with one patient Bundle per line
//    "parameters": {"Name": tagged, ...},     // CQL parameter values, in the tagged form below
//    "executionDateTime": "2024-01-01T00:00:00.000+00:00", // also the offset of DateTimes given without one
//    "valueSets": [FHIR ValueSet, ...],       // expansions (or enumerated composes) for the code service
//    "chunk": 100,                            // patients per Executor.exec call
//    "emit": "results" | "none"}              // "none": time the run without writing values
// Writes to the file named by the first argument:
//   {"patients": [{"id": "...", "results": {"Define": tagged, ...}} | {"id": "...", "error": "..."}],
//    "seconds": execution time, "maxRssBytes": peak resident memory of this process}
//
// Tagged values keep CQL types exact, so the caller can compare them with another engine's:
//   null, true/false, "string", {"Integer": 5}, {"Long": "5"}, {"Decimal": "1.5"}, {"Number": "1.5"} (a JS
//   number whose static type is not known), {"Date": [y, m, d]}, {"DateTime": [y, m, d, h, mi, s, ms],
//   "offset": "-5"}, {"Time": [h, mi, s, ms]} (components up to the value's precision),
//   {"Quantity": "1.5", "unit": "mg"}, {"Ratio": [q, q]}, {"Interval": [low, high], "closed": [bool, bool]},
//   {"Code": "c", "system": "s", "version": v, "display": d}, {"Concept": [codes], "display": d},
//   [list items], {"Tuple": {"name": value}}, {"Uncertainty": [low, high]}, {"FHIR": json} (a FHIR element or
//   resource as its JSON).

import cql from "cql-execution";
import cqlfhir from "cql-exec-fhir";
import fs from "node:fs";
import readline from "node:readline";

const SYSTEM = "{urn:hl7-org:elm-types:r1}";

// --- static types of definitions (JS numbers do not say whether they are Integer or Decimal) ---

function typeOf(spec) {
  if (spec == null) return null;
  if (typeof spec === "string") return { kind: "named", name: spec.startsWith(SYSTEM) ? spec.slice(SYSTEM.length) : spec };
  switch (spec.type) {
    case "NamedTypeSpecifier":
      return typeOf(spec.name);
    case "ListTypeSpecifier":
      return { kind: "list", element: typeOf(spec.elementType) };
    case "IntervalTypeSpecifier":
      return { kind: "interval", point: typeOf(spec.pointType) };
    case "TupleTypeSpecifier": {
      const elements = {};
      for (const e of spec.element || []) elements[e.name] = typeOf(e.elementType || e.type);
      return { kind: "tuple", elements };
    }
    default:
      return null;
  }
}

function definitionType(def) {
  return typeOf(def.resultTypeSpecifier || def.resultTypeName || (def.expression && (def.expression.resultTypeSpecifier || def.expression.resultTypeName)));
}

// --- values to tagged JSON ---

function number(value, type) {
  const name = type && type.kind === "named" ? type.name : null;
  if (name === "Integer") return { Integer: value };
  if (name === "Long") return { Long: String(value) };
  if (name === "Decimal") return { Decimal: String(value) };
  return { Number: String(value) };
}

function components(value, fields) {
  const out = [];
  for (const f of fields) {
    if (value[f] == null) break;
    out.push(value[f]);
  }
  return out;
}

function tag(value, type) {
  if (value == null) return null;
  if (typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") return number(value, type);
  if (Array.isArray(value)) return value.map((v) => tag(v, type && type.kind === "list" ? type.element : null));
  if (value instanceof cql.DateTime) {
    if (value.isTime()) return { Time: components(value, ["hour", "minute", "second", "millisecond"]) };
    return {
      DateTime: components(value, ["year", "month", "day", "hour", "minute", "second", "millisecond"]),
      offset: value.timezoneOffset == null ? null : String(value.timezoneOffset),
    };
  }
  if (value instanceof cql.Date) return { Date: components(value, ["year", "month", "day"]) };
  if (value instanceof cql.Quantity) return { Quantity: String(value.value), unit: value.unit ?? null };
  if (value instanceof cql.Ratio) return { Ratio: [tag(value.numerator), tag(value.denominator)] };
  if (value instanceof cql.Interval) {
    const point = type && type.kind === "interval" ? type.point : null;
    return { Interval: [tag(value.low, point), tag(value.high, point)], closed: [value.lowClosed, value.highClosed] };
  }
  if (value instanceof cql.Code) {
    return { Code: value.code ?? null, system: value.system ?? null, version: value.version ?? null, display: value.display ?? null };
  }
  if (value instanceof cql.Concept) return { Concept: (value.codes || []).map((c) => tag(c)), display: value.display ?? null };
  if (value.constructor && value.constructor.name === "Uncertainty") return { Uncertainty: [tag(value.low, type), tag(value.high, type)] };
  if (value._json !== undefined && typeof value.getTypeInfo === "function") {
    const json = value._json;
    const primitive = json && typeof json === "object" && !Array.isArray(json) && Object.keys(json).length === 1 && "value" in json;
    return { FHIR: primitive ? json.value : json };
  }
  const elements = {};
  for (const [name, v] of Object.entries(value)) {
    elements[name] = tag(v, type && type.kind === "tuple" ? type.elements[name] : null);
  }
  return { Tuple: elements };
}

// --- tagged JSON (parameters) to values ---

function untag(value) {
  if (value == null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(untag);
  if ("Integer" in value) return value.Integer;
  if ("Decimal" in value) return Number(value.Decimal);
  if ("DateTime" in value) {
    const [y, mo, d, h, mi, s, ms] = value.DateTime;
    return new cql.DateTime(y, mo ?? null, d ?? null, h ?? null, mi ?? null, s ?? null, ms ?? null,
      value.offset == null ? null : Number(value.offset));
  }
  if ("Date" in value) return new cql.Date(...value.Date);
  if ("Quantity" in value) return new cql.Quantity(Number(value.Quantity), value.unit);
  if ("Interval" in value) {
    return new cql.Interval(untag(value.Interval[0]), untag(value.Interval[1]), value.closed[0], value.closed[1]);
  }
  if ("Code" in value) return new cql.Code(value.Code, value.system, value.version, value.display);
  if ("Tuple" in value) return Object.fromEntries(Object.entries(value.Tuple).map(([k, v]) => [k, untag(v)]));
  throw new Error(`cannot pass a parameter value of this form: ${JSON.stringify(value)}`);
}

// --- terminology ---

function valueSetDictionary(resources) {
  const out = {};
  for (const vs of resources || []) {
    const codes = [];
    for (const c of (vs.expansion && vs.expansion.contains) || []) codes.push({ code: c.code, system: c.system, version: c.version });
    for (const inc of (vs.compose && vs.compose.include) || []) {
      for (const c of inc.concept || []) codes.push({ code: c.code, system: inc.system, version: inc.version });
    }
    out[vs.url] = out[vs.url] || {};
    out[vs.url][vs.version || ""] = codes;
  }
  return out;
}

// --- running ---

async function* bundles(request) {
  if (request.patients) {
    yield* request.patients;
    return;
  }
  const lines = readline.createInterface({ input: fs.createReadStream(request.ndjson), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim()) yield JSON.parse(line);
}

function patientId(bundle) {
  const entry = (bundle.entry || []).find((e) => e.resource && e.resource.resourceType === "Patient");
  return entry ? entry.resource.id : null;
}

function message(error) {
  return String(error && error.message ? error.message : error);
}

// cql-execution gives a DateTime without offset (e.g. a FHIR dateTime "2024-02-29") the machine's offset; the
// CQL specification gives it the evaluation request's. Running in a zone at the request's offset makes the two
// agree and keeps the machine's zone out of the results.
function useRequestOffset(executionDateTime) {
  const m = /(Z|([+-])(\d\d):(\d\d))$/.exec(executionDateTime || "");
  if (!m || m[1] === "Z" || (m[3] === "00" && m[4] === "00")) {
    process.env.TZ = "UTC";
    return;
  }
  if (m[4] !== "00") throw new Error(`executionDateTime offset ${m[1]} is not a whole hour; no fixed zone to run in`);
  const hours = Number(m[3]);
  process.env.TZ = `Etc/GMT${m[2] === "+" ? "-" : "+"}${hours}`;
}

async function main() {
  if (!process.argv[2]) throw new Error("usage: node cql-execution.mjs OUTPUT.json < request.json");
  const request = JSON.parse(fs.readFileSync(0, "utf8"));
  useRequestOffset(request.executionDateTime);
  const elms = request.libraries || [];
  const mainElm = elms.find((l) => l.library.identifier.id === request.main);
  if (!mainElm) throw new Error(`main library ${request.main} is not among the libraries`);
  const includes = {};
  for (const elm of elms) if (elm !== mainElm) includes[elm.library.identifier.id] = elm;
  const library = new cql.Library(mainElm, new cql.Repository(includes));
  const types = {};
  for (const def of (mainElm.library.statements && mainElm.library.statements.def) || []) {
    if (def.type !== "FunctionDef" && (def.context || "Patient") === "Patient") types[def.name] = definitionType(def);
  }
  const parameters = Object.fromEntries(Object.entries(request.parameters || {}).map(([k, v]) => [k, untag(v)]));
  const executor = new cql.Executor(library, new cql.CodeService(valueSetDictionary(request.valueSets)), parameters);
  const when = request.executionDateTime ? cql.DateTime.parse(request.executionDateTime) : undefined;
  const emit = request.emit !== "none";
  const chunkSize = request.chunk || 100;
  const out = [];
  let seconds = 0;

  const record = (id, result) => {
    if (!emit) return;
    const values = {};
    for (const name of Object.keys(types)) values[name] = tag(result[name], types[name]);
    out.push({ id, results: values });
  };
  const runChunk = async (chunk) => {
    const source = cqlfhir.PatientSource.FHIRv401();
    source.loadBundles(chunk);
    const started = process.hrtime.bigint();
    const results = await executor.exec(source, when);
    seconds += Number(process.hrtime.bigint() - started) / 1e9;
    for (const bundle of chunk) record(patientId(bundle), results.patientResults[patientId(bundle)] || {});
  };
  const run = async (chunk) => {
    try {
      await runChunk(chunk);
    } catch (error) {
      if (chunk.length === 1) {
        if (emit) out.push({ id: patientId(chunk[0]), error: message(error) });
        return;
      }
      for (const bundle of chunk) await run([bundle]);
    }
  };

  let chunk = [];
  for await (const bundle of bundles(request)) {
    chunk.push(bundle);
    if (chunk.length >= chunkSize) {
      await run(chunk);
      chunk = [];
    }
  }
  if (chunk.length) await run(chunk);
  fs.writeFileSync(process.argv[2], JSON.stringify({ patients: out, seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
