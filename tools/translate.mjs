// CQL → ELM with the reference translator (@cqframework/cql), driven in batch.
//
// Reads one JSON request on stdin:
//   {"sources": {"LibName": "<cql text>", ...},   // every library that may be translated or included
//    "translate": ["LibName", ...],                // which of them to emit (default: all)
//    "options": ["EnableResultTypes", ...],        // CqlCompilerOptions.Options names (default: CQL IG set)
//    "signatureLevel": "Overloads"}                // None | Differing | Overloads | All
// Writes one JSON object to the file named by the first argument (the translator's logger owns stdout): {"LibName": {"elm": {...}|null, "errors": [...], "warnings": [...]}}.
// Each message is {"message", "severity", "line", "char"}.
//
// The System model comes from the translator itself, FHIR 4.0.1 model info from cql-exec-fhir, and
// UCUM validation/conversion from @lhncbc/ucum-lhc (the service the translator needs to check unit strings).

import {
  CqlCompilerOptions,
  CqlTranslator,
  LibraryBuilder,
  LibraryManager,
  ModelManager,
  createLibrarySourceProvider,
  createModelInfoProvider,
  createUcumService,
  stringAsSource,
} from "@cqframework/cql/cql-to-elm";
import { SystemModelInfoProvider } from "@cqframework/cql/cql";
import ucum from "@lhncbc/ucum-lhc";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const FHIR_MODEL_INFO = path.join(here, "node_modules/cql-exec-fhir/lib/modelInfos/fhir-modelinfo-4.0.1.xml");
const DEFAULT_OPTIONS = ["EnableAnnotations", "EnableLocators", "DisableListDemotion", "DisableListPromotion"];

function ucumService() {
  const utils = ucum.UcumLhcUtils.getInstance();
  const unsupported = () => {
    throw new Error("UCUM unit arithmetic is not used at translation time");
  };
  return createUcumService(
    (value, from, to) => {
      const r = utils.convertUnitTo(from, Number(value), to);
      if (r.status !== "succeeded") throw new Error((r.msg || []).join("; "));
      return String(r.toVal);
    },
    (unit) => {
      const r = utils.validateUnitString(unit, true);
      return r.status === "valid" ? null : (r.msg || []).join("; ") || `invalid UCUM unit '${unit}'`;
    },
    unsupported,
    unsupported,
  );
}

// TrackBack's fields are name-mangled by the Kotlin/JS build; its toString() is the stable way to read them.
function place(locator) {
  const m = locator ? /startLine=(\d+), startChar=(\d+)/.exec(String(locator)) : null;
  return m ? { line: Number(m[1]), char: Number(m[2]) } : { line: null, char: null };
}

function messages(list) {
  return list.toArray().map((e) => ({
    message: e.message,
    severity: e.severity ? e.severity.name.toLowerCase() : "error",
    ...place(e.locator),
  }));
}

function main() {
  if (!process.argv[2]) throw new Error("usage: node translate.mjs OUTPUT.json < request.json");
  const request = JSON.parse(fs.readFileSync(0, "utf8"));
  const sources = request.sources || {};
  const wanted = request.translate || Object.keys(sources);
  const optionNames = request.options || DEFAULT_OPTIONS;

  const compilerOptions = new CqlCompilerOptions();
  compilerOptions.setOptions(optionNames.map((n) => CqlCompilerOptions.Options.valueOf(n)));
  if (request.signatureLevel) {
    compilerOptions.signatureLevel = LibraryBuilder.SignatureLevel.valueOf(request.signatureLevel);
  }

  const fhirXml = fs.readFileSync(FHIR_MODEL_INFO, "utf8");
  const ucumSvc = ucumService();
  const out = {};
  for (const name of wanted) {
    // A fresh manager per library: no state leaks from one translation into the next.
    const modelManager = new ModelManager();
    modelManager.modelInfoLoader.registerModelInfoProvider(new SystemModelInfoProvider());
    modelManager.modelInfoLoader.registerModelInfoProvider(
      createModelInfoProvider((id, _system, version) =>
        id === "FHIR" && (version == null || version === "4.0.1") ? stringAsSource(fhirXml) : null,
      ),
    );
    const libraryManager = new LibraryManager(modelManager, compilerOptions, null, ucumSvc);
    libraryManager.librarySourceLoader.registerProvider(
      createLibrarySourceProvider((id) => (id in sources ? stringAsSource(sources[id]) : null)),
    );
    let result;
    try {
      const translator = CqlTranslator.fromText(sources[name], libraryManager);
      const errors = messages(translator.errors);
      const warnings = messages(translator.warnings);
      result = { elm: errors.length ? null : JSON.parse(translator.toJson()), errors, warnings };
    } catch (e) {
      result = { elm: null, errors: [{ message: String(e && e.message ? e.message : e), severity: "error" }], warnings: [] };
    }
    out[name] = result;
  }
  fs.writeFileSync(process.argv[2], JSON.stringify(out));
}

main();
