// Runs two npm PII libraries over the same texts as privacyd's guard, in-process, and writes what
// each found and how fast, for bench/guard_compare/report.py to score and print.
//
//   node compare.mjs --texts FILE [--forms FILE] --out DIR [--rounds N]
//                    [--tools openredaction,redact-pii]
//
// --texts holds the labelled corpus's texts, one per line (UTF-8): each library's findings on
// them are recorded, and they are timed. --forms holds more texts, one per line (the guard
// benchmark's generated 2 KB forms), which are only timed. Each library is loaded and
// constructed once (not timed); one untimed pass over each set collects findings and warms it
// up; then the loop over the set's texts is timed N times (default 3) and the best round kept.
// Nothing but the library's own call is inside the timed loop; rates are per core, from CPU time
// (see time() below).
//
// Written to DIR:
//   <tool>.findings.jsonl  {"line": 1-based, "start", "end" (UTF-8 byte offsets), "type" (ours,
//                          or null when the library's type has no counterpart), "native"}
//   timings.json           [{"tool", "package", "version", "types" (ours it can report),
//                            "sets": {"corpus": {"texts", "bytes", "rounds_cpu_s",
//                            "rounds_wall_s", "best_cpu_s", "best_wall_s", "mb_per_s" (from
//                            CPU time), "mb_per_s_wall", "ns_per_text"}, "forms": {...}}, ...}]
//
// This script runs from the scratch directory where bench/guard_compare.sh installed the
// libraries with `npm ci`, so that their node_modules are found.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const require = createRequire(import.meta.url);

// --- How each library's types map to ours --------------------------------------------------
//
// Our types are the guard's (docs/guard.md). A library type not listed here (names, dates, postal
// codes, street addresses, URLs, "any run of digits", license plates, order numbers, ...) has no
// counterpart: its findings are kept in the output with type null and not scored.

// @openredaction/core: the `type` of each detection (its pattern names, `allPatterns`).
const OPENREDACTION_TYPES = {
  SSN: "US_SSN",
  ITIN: "US_ITIN",
  DRIVING_LICENSE_US: "US_DRIVER_LICENSE",
  PASSPORT_US: "US_PASSPORT",
  NATIONAL_INSURANCE_UK: "UK_NINO",
  NHS_NUMBER: "UK_NHS",
  PASSPORT_UK: "UK_PASSPORT",
  GERMAN_TAX_ID: "DE_TAX_ID",
  DUTCH_BSN: "NL_BSN",
  FRENCH_SOCIAL_SECURITY: "FR_NIR",
  ISRAEL_ID: "IL_ID",
  SOUTH_AFRICA_ID: "ZA_ID",
  SINGAPORE_NRIC: "SG_NRIC_FIN",
  INDIAN_AADHAAR: "IN_AADHAAR",
  AUSTRALIAN_TFN: "AU_TFN",
  AUSTRALIAN_MEDICARE: "AU_MEDICARE",
  CREDIT_CARD: "CREDIT_CARD",
  IBAN: "IBAN",
  UK_BANK_ACCOUNT_IBAN: "IBAN",
  EMAIL: "EMAIL",
  PHONE_UK_MOBILE: "PHONE",
  PHONE_UK: "PHONE",
  PHONE_US: "PHONE",
  PHONE_INTERNATIONAL: "PHONE",
  IPV4: "IP_ADDRESS",
  IPV6: "IP_ADDRESS",
  // Its health-related patterns reveal a health condition, so they count as HEALTH findings.
  ICD10_CODE: "HEALTH",
  ALLERGY_INFO: "HEALTH",
  BLOOD_TYPE: "HEALTH",
  DRUG_DOSAGE: "HEALTH",
  GENETIC_MARKER: "GENETIC",
  DNA_SEQUENCE: "GENETIC",
  BIOMETRIC_ID: "BIOMETRIC",
  // Not mapped although close: TAX_ID (a US TIN or EIN, not one of ours), MEDICAL_RECORD_NUMBER
  // (a record number, not a condition). OpenRedaction has no pattern for DE_ID_CARD, IN_PAN,
  // CH_AHV or any special category other than the health ones above.
};

// redact-pii: the replacement token of each built-in redactor (snake case of its name).
const REDACT_PII_TYPES = {
  US_SOCIAL_SECURITY_NUMBER: "US_SSN", // usSocialSecurityNumber
  CREDIT_CARD_NUMBER: "CREDIT_CARD", // creditCardNumber
  EMAIL_ADDRESS: "EMAIL", // emailAddress
  PHONE_NUMBER: "PHONE", // phoneNumber
  IP_ADDRESS: "IP_ADDRESS", // ipAddress
  // Not mapped: STREET_ADDRESS, ZIPCODE, USERNAME, PASSWORD, CREDENTIALS, DIGITS (any run of four
  // or more digits), URL, PERSON_NAME. redact-pii has no other identifier and no special category.
};

// --- Arguments ------------------------------------------------------------------------------

function parseArgs(argv) {
  const args = { rounds: 3, tools: ["openredaction", "redact-pii"] };
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => (inline !== undefined ? inline : argv[++i]);
    if (key === "--texts") args.texts = value();
    else if (key === "--forms") args.forms = value();
    else if (key === "--out") args.out = value();
    else if (key === "--rounds") args.rounds = Number(value());
    else if (key === "--tools") args.tools = value().split(",").filter(Boolean);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!args.texts || !args.out) throw new Error("--texts FILE and --out DIR are required");
  if (!(args.rounds >= 1)) throw new Error("--rounds must be at least 1");
  return args;
}

function readLines(file) {
  const raw = fs.readFileSync(file, "utf8");
  return (raw.endsWith("\n") ? raw.slice(0, -1) : raw).split("\n");
}

function packageVersion(name) {
  // The packages' "exports" do not all expose package.json: walk up from the entry point.
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
      if (pkg.name === name) return pkg.version;
    }
    const up = path.dirname(dir);
    if (up === dir) return "?";
    dir = up;
  }
}

// UTF-16 offset in text -> UTF-8 byte offset (the scanners' unit).
function byteOffset(text, i) {
  return Buffer.byteLength(text.slice(0, i), "utf8");
}

// --- The libraries --------------------------------------------------------------------------

async function openRedaction() {
  const { OpenRedaction } = await import("@openredaction/core");
  // The defaults, as its README shows; the result cache is off by default, so repeated rounds
  // really scan.
  const shield = new OpenRedaction();
  return {
    name: "openredaction",
    package: "@openredaction/core",
    types: [...new Set(Object.values(OPENREDACTION_TYPES))],
    scan: (text) => shield.detect(text),
    async findings(text) {
      const result = await shield.detect(text);
      return result.detections.map((d) => {
        let [start, end] = d.position;
        if (text.slice(start, end) !== d.value) {
          // Positions should index the original text; fall back to the value if they do not.
          start = text.indexOf(d.value);
          end = start + d.value.length;
        }
        return { start, end, native: d.type, type: OPENREDACTION_TYPES[d.type] ?? null };
      });
    },
  };
}

async function redactPii() {
  const { SyncRedactor } = require("redact-pii");
  const redactor = new SyncRedactor();
  // redact-pii returns the redacted text only. To know what was replaced, the untimed pass
  // replays the redactor's own chain (its childRedactors, in order) while recording, for each
  // replacement, the span of the original text it covered. Each regular-expression redactor
  // replaces every match of its pattern with its token, exactly as String.replace does; the name
  // redactor runs last and has no counterpart among our types, so it is applied as it is. The
  // replayed output is compared with redactor.redact(text) for every text (agreement below).
  const chain = redactor.childRedactors;
  if (!Array.isArray(chain) || chain.length === 0) {
    throw new Error("redact-pii: SyncRedactor has no childRedactors (the library changed?)");
  }
  let agree = 0;
  let disagree = 0;

  function traced(text) {
    // cur[i] is a UTF-16 unit of the current text; lo[i]..hi[i] the original span it stands for.
    let cur = text;
    let lo = Array.from({ length: text.length }, (_, i) => i);
    let hi = lo.map((i) => i + 1);
    const spans = [];
    let aligned = true;
    for (const child of chain) {
      if (!(child.regexpMatcher instanceof RegExp)) {
        cur = child.redact(cur);
        aligned = false; // lo and hi no longer describe cur
        continue;
      }
      if (!aligned) throw new Error("redact-pii: a pattern redactor after the name redactor");
      const token = child.replaceWith;
      const re = new RegExp(child.regexpMatcher.source, child.regexpMatcher.flags);
      const matches = re.global ? [...cur.matchAll(re)] : [re.exec(cur)].filter(Boolean);
      if (matches.length === 0) continue;
      let out = "";
      const nlo = [];
      const nhi = [];
      let at = 0;
      for (const m of matches) {
        const s = m.index;
        const e = s + m[0].length;
        out += cur.slice(at, s);
        nlo.push(...lo.slice(at, s));
        nhi.push(...hi.slice(at, s));
        const oStart = s < e ? Math.min(...lo.slice(s, e)) : s < cur.length ? lo[s] : text.length;
        const oEnd = s < e ? Math.max(...hi.slice(s, e)) : oStart;
        spans.push({ start: oStart, end: oEnd, native: token });
        out += token;
        for (let k = 0; k < token.length; k++) {
          nlo.push(oStart);
          nhi.push(oEnd);
        }
        at = e;
      }
      out += cur.slice(at);
      nlo.push(...lo.slice(at));
      nhi.push(...hi.slice(at));
      cur = out;
      lo = nlo;
      hi = nhi;
    }
    return { output: cur, spans };
  }

  return {
    name: "redact-pii",
    package: "redact-pii",
    types: [...new Set(Object.values(REDACT_PII_TYPES))],
    scan: (text) => redactor.redact(text),
    findings(text) {
      const { output, spans } = traced(text);
      if (output === redactor.redact(text)) agree++;
      else disagree++;
      return spans.map((s) => ({ ...s, type: REDACT_PII_TYPES[s.native] ?? null }));
    },
    extra: () => ({ replay_agrees: agree, replay_disagrees: disagree }),
  };
}

const TOOLS = { openredaction: openRedaction, "redact-pii": redactPii };

// --- Main -----------------------------------------------------------------------------------

// The scanning loop over texts, timed `rounds` times. Both clocks are kept: wall time, and the
// process's CPU time (user + system), which is what the rate per core is computed from, as
// privacyd_guard_bench's single-threaded figures are, so that other work on a shared machine
// does not count against either side. The CPU time includes node's helper threads (garbage
// collection, compilation): work the library costs.
async function time(tool, texts, rounds) {
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t, "utf8"), 0);
  const wall = [];
  const cpu = [];
  for (let r = 0; r < rounds; r++) {
    let sink = 0;
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (const text of texts) {
      const result = await tool.scan(text);
      sink += typeof result === "string" ? result.length : result.detections.length;
    }
    const t1 = process.hrtime.bigint();
    const c1 = process.cpuUsage(c0);
    if (sink < 0) console.log(sink); // keeps the results alive
    wall.push(Number(t1 - t0) / 1e9);
    cpu.push((c1.user + c1.system) / 1e6);
  }
  const best = Math.min(...cpu);
  return {
    texts: texts.length,
    bytes,
    rounds_cpu_s: cpu,
    rounds_wall_s: wall,
    best_cpu_s: best,
    best_wall_s: Math.min(...wall),
    mb_per_s: bytes / 1e6 / best,
    mb_per_s_wall: bytes / 1e6 / Math.min(...wall),
    ns_per_text: (best * 1e9) / texts.length,
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const sets = { corpus: readLines(args.texts) };
  if (args.forms) sets.forms = readLines(args.forms);
  fs.mkdirSync(args.out, { recursive: true });
  const timings = [];
  for (const name of args.tools) {
    if (!TOOLS[name]) throw new Error(`unknown tool ${name} (${Object.keys(TOOLS).join(", ")})`);
    const tool = await TOOLS[name]();

    // Untimed: the findings on the corpus, and a warm-up of every code path.
    const lines = [];
    const texts = sets.corpus;
    for (let i = 0; i < texts.length; i++) {
      const text = texts[i];
      for (const f of await tool.findings(text)) {
        if (f.start < 0) continue;
        lines.push(JSON.stringify({
          line: i + 1,
          start: byteOffset(text, f.start),
          end: byteOffset(text, f.end),
          type: f.type,
          native: f.native,
        }));
      }
    }
    fs.writeFileSync(path.join(args.out, `${name}.findings.jsonl`), lines.join("\n") + "\n");

    const entry = {
      tool: name,
      package: tool.package,
      version: packageVersion(tool.package),
      types: tool.types,
      findings: lines.length,
      sets: {},
    };
    for (const [set, setTexts] of Object.entries(sets)) {
      if (set !== "corpus") for (const text of setTexts) await tool.scan(text); // warm-up
      const t = await time(tool, setTexts, args.rounds);
      entry.sets[set] = t;
      process.stderr.write(
        `${name} ${entry.version}, ${set}: ${t.mb_per_s.toFixed(3)} MB/s per core (best of ` +
          `${args.rounds}: ${t.best_cpu_s.toFixed(3)} s CPU, ${t.best_wall_s.toFixed(3)} s wall, ` +
          `for ${t.texts} texts, ${t.bytes} bytes)\n`,
      );
    }
    Object.assign(entry, tool.extra ? tool.extra() : {});
    timings.push(entry);
  }
  fs.writeFileSync(path.join(args.out, "timings.json"), JSON.stringify(timings, null, 2) + "\n");
}

main().catch((e) => {
  process.stderr.write(`compare.mjs: ${e.stack || e}\n`);
  process.exit(1);
});
