#!/usr/bin/env node
// Validates an OpenAPI document against the official OpenAPI JSON schemas.
//
// Usage: node validate.mjs URL_OR_FILE
//   URL_OR_FILE  an http(s) URL (e.g. http://127.0.0.1:8080/openapi.json) or a file path
//
// Exit status: 0 valid, 1 invalid, 2 usage error or the document could not be loaded.
import { readFile } from "node:fs/promises";
import { Validator } from "@seriousme/openapi-schema-validator";

const FETCH_TIMEOUT_MS = 10_000;

async function load(source) {
  if (/^https?:\/\//i.test(source)) {
    const res = await fetch(source, {
      headers: { accept: "application/json, application/yaml;q=0.9, */*;q=0.1" },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`GET ${source}: HTTP ${res.status} ${res.statusText}`);
    return await res.text();
  }
  return await readFile(source, "utf8");
}

async function main(argv) {
  if (argv.length !== 1 || argv[0] === "-h" || argv[0] === "--help") {
    console.error("usage: node validate.mjs URL_OR_FILE");
    return 2;
  }
  const source = argv[0];
  let text;
  try {
    text = await load(source);
  } catch (err) {
    const cause = err.cause?.message ? ` (${err.cause.message})` : "";
    console.error(`${source}: cannot load: ${err.message}${cause}`);
    return 2;
  }

  // The document is passed as a string (JSON or YAML) so that the validator never mistakes it
  // for a file name.
  const validator = new Validator();
  const result = await validator.validate(text);
  if (result.valid) {
    console.log(`${source}: valid OpenAPI ${validator.version} document`);
    return 0;
  }
  console.error(`${source}: INVALID OpenAPI document (version ${validator.version ?? "unknown"})`);
  const errors = Array.isArray(result.errors) ? result.errors : [result.errors];
  for (const e of errors) {
    if (e && typeof e === "object" && "instancePath" in e) {
      const params = e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : "";
      console.error(`  at ${e.instancePath || "/"}: ${e.message}${params} (schema ${e.schemaPath})`);
    } else {
      console.error(`  ${typeof e === "string" ? e : JSON.stringify(e)}`);
    }
  }
  return 1;
}

process.exitCode = await main(process.argv.slice(2));
