#!/usr/bin/python3
"""Recall and precision per type of a sensitive-data scanner over the guard's labelled corpus.

The corpus is tests/guard/corpus/*.jsonl, one JSON object per line:

    {"id": "...", "lang": "en", "kind": "id" | "lookalike" | "special" | "clean",
     "text": "...", "expect": [{"type": "US_SSN", "text": "123-45-6789"}, {"type": "HEALTH"}]}

An expected item with a "text" is that exact substring of the line (its first occurrence); one
without (the special categories) is the line as a whole. Look-alike and clean lines expect
nothing.

The scanner reads the texts on stdin, one per line, and writes one JSON object per finding:
{"line": N (1 for the first line), "start": S, "end": E (byte offsets into that line, UTF-8),
"type": "US_SSN", ...}, and exits 0 or 1 (1: something sensitive found). By default it is
`privacyd scan --format jsonl --types <the corpus's types>`, or, in a build without the scan
command yet, the test tool `privacyd_guard_scan`.

Definitions, per type T:
  recall    = expected items of T matched by a finding of T / expected items of T, where a finding
              matches an item with a text when their byte ranges overlap, and an item without one
              when it is anywhere in the line;
  precision = findings of T that match an expected item of T / findings of T.
Beside them: per language, the share of look-alike and of clean lines with no finding at all.

The functions here (load_corpus, run_scanner, score, format_report, ...) are used by
tests/integration/test_guard_corpus.py and bench/guard_compare/report.py.

usage: bench/guard_accuracy.py [--corpus PATH]... [--scanner "COMMAND"] [--findings FILE]
       bench/guard_accuracy.py --write-texts FILE [--corpus PATH]...
"""

import argparse
import glob
import json
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(HERE)
DEFAULT_CORPUS_DIR = os.path.join(SOURCE_DIR, "tests", "guard", "corpus")

KINDS = ("id", "lookalike", "special", "clean")
# The special categories of personal data (GDPR Art. 9) the guard reports; every other type is
# an identifier.
SPECIAL_TYPES = frozenset({"HEALTH", "ETHNIC", "POLITICAL", "RELIGION", "TRADE_UNION",
                           "SEXUAL_ORIENTATION", "GENETIC", "BIOMETRIC"})


class CorpusError(Exception):
    """A corpus file that does not follow the format (the message names file and line)."""


@dataclass
class Expected:
    type: str
    text: str | None = None
    start: int | None = None  # byte offsets into the line's UTF-8 text; None: the whole line
    end: int | None = None


@dataclass
class Line:
    id: str
    lang: str
    kind: str
    text: str
    expect: list = field(default_factory=list)  # of Expected
    source: str = ""  # "file:line", for messages


@dataclass
class Finding:
    line: int  # index into the corpus (0 for the first line)
    start: int
    end: int
    type: str


def corpus_files(paths=None):
    """The corpus files: each path is a .jsonl file or a directory of them (default: the
    repository's corpus). Sorted by name; empty when there is none."""
    files = []
    for path in paths or [DEFAULT_CORPUS_DIR]:
        if os.path.isdir(path):
            files.extend(sorted(glob.glob(os.path.join(path, "*.jsonl"))))
        elif os.path.exists(path):
            files.append(path)
    return files


def byte_span(text, substring):
    """The byte offsets (UTF-8) of the first occurrence of substring in text, or None."""
    at = text.find(substring)
    if at < 0:
        return None
    start = len(text[:at].encode("utf-8"))
    return start, start + len(substring.encode("utf-8"))


def load_corpus(files):
    """Parses the corpus files into Lines. Raises CorpusError on a malformed line, a text with a
    line break, an unknown kind, or an expected text that is not in the line."""
    lines = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            for number, raw in enumerate(f, 1):
                if not raw.strip():
                    continue
                where = f"{path}:{number}"
                try:
                    obj = json.loads(raw)
                    text = obj["text"]
                    kind = obj["kind"]
                    line = Line(id=str(obj.get("id", where)), lang=obj.get("lang", "?"),
                                kind=kind, text=text, source=where)
                    expects = obj.get("expect") or []
                except (ValueError, KeyError, TypeError) as e:
                    raise CorpusError(f"{where}: not a corpus line ({e})") from None
                if kind not in KINDS:
                    raise CorpusError(f"{where}: unknown kind {kind!r} (one of {', '.join(KINDS)})")
                if "\n" in text or "\r" in text:
                    raise CorpusError(f"{where}: the text holds a line break; scanners read one "
                                      "text per line")
                for e in expects:
                    item = Expected(type=e["type"], text=e.get("text"))
                    if item.text is not None:
                        span = byte_span(text, item.text)
                        if span is None:
                            raise CorpusError(f"{where}: expected text {item.text!r} is not in "
                                              "the line")
                        item.start, item.end = span
                    line.expect.append(item)
                lines.append(line)
    return lines


def corpus_types(lines):
    """The types the corpus expects somewhere, sorted."""
    return sorted({e.type for line in lines for e in line.expect})


def write_texts(lines, path):
    """Writes the texts one per line (UTF-8), the input of every scanner."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(line.text + "\n")


def parse_findings(jsonl, line_count=None):
    """Findings from a scanner's JSONL output ("line" counts from 1). Raises ValueError on a
    line that is not a finding or names a line outside 1..line_count."""
    findings = []
    for number, raw in enumerate(jsonl.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
            f = Finding(line=int(obj["line"]) - 1, start=int(obj["start"]), end=int(obj["end"]),
                        type=str(obj["type"]))
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"scanner output line {number} is not a finding: {raw[:200]!r} "
                             f"({e})") from None
        if f.line < 0 or (line_count is not None and f.line >= line_count):
            raise ValueError(f"scanner output line {number} names line {f.line + 1}, outside "
                             f"1..{line_count}")
        findings.append(f)
    return findings


def _runs(command):
    try:
        return subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=60).returncode == 0
    except OSError:
        return False


def default_scanner(types, privacyd_bin=None):
    """The command that scans with privacyd: `privacyd scan --format jsonl --types ...` when the
    binary has the scan command, else privacyd_guard_scan from the same directory (plus
    `--types` when it takes that option). privacyd_bin defaults to $PRIVACYD_BIN, then
    build/release/privacyd. Raises FileNotFoundError when neither can run."""
    binary = privacyd_bin or os.environ.get("PRIVACYD_BIN") or \
        os.path.join(SOURCE_DIR, "build", "release", "privacyd")
    type_list = ",".join(types)
    if os.access(binary, os.X_OK) and _runs([binary, "scan", "--help"]):
        return [binary, "scan", "--format", "jsonl", "--types", type_list]
    tool = os.environ.get("PRIVACYD_GUARD_SCAN") or \
        os.path.join(os.path.dirname(binary), "privacyd_guard_scan")
    if os.access(tool, os.X_OK):
        try:
            help_text = subprocess.run([tool, "--help"], stdin=subprocess.DEVNULL,
                                       capture_output=True, text=True, timeout=60)
            takes_types = "--types" in help_text.stdout + help_text.stderr
        except OSError:
            takes_types = False
        return [tool] + (["--types", type_list] if takes_types else [])
    raise FileNotFoundError(f"neither `{binary} scan` nor {tool} can run: build them first "
                            "(cmake --build --preset release)")


def expand_command(command, types):
    """A scanner given as a string: shell words, with {types} replaced by the comma-separated
    type list."""
    return [w.replace("{types}", ",".join(types)) for w in shlex.split(command)]


def run_scanner(command, lines, timeout=600):
    """Runs the scanner over the texts of lines and returns its findings. Exit status 0 and 1
    are success (`privacyd scan` exits 1 when it found something sensitive); raises
    RuntimeError on any other."""
    text = "".join(line.text + "\n" for line in lines).encode("utf-8")
    proc = subprocess.run(command, input=text, capture_output=True, timeout=timeout)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{shlex.join(command)} exited {proc.returncode}: "
                           f"{proc.stderr.decode('utf-8', 'replace')[-2000:]}")
    return parse_findings(proc.stdout.decode("utf-8"), len(lines))


@dataclass
class TypeScore:
    expected: int = 0
    found: int = 0      # expected items matched
    findings: int = 0
    correct: int = 0    # findings matching an expected item

    @property
    def recall(self):
        return self.found / self.expected if self.expected else None

    @property
    def precision(self):
        return self.correct / self.findings if self.findings else None


@dataclass
class Score:
    types: dict      # type -> TypeScore, for every type expected or found
    quiet: dict      # (lang, kind) -> [lines without a finding, lines], kinds lookalike and clean
    missed: list     # (Line, Expected) not found
    spurious: list   # (Line, Finding) matching nothing


def _matches(finding, item):
    if finding.type != item.type:
        return False
    if item.start is None:
        return True
    return finding.start < item.end and item.start < finding.end


def score(lines, findings, types=None):
    """Scores findings against the corpus lines. When types is given, only those types are
    scored and findings of other types are ignored (a tool reporting things the corpus does not
    label is neither rewarded nor punished for them)."""
    keep = set(types) if types is not None else None
    by_line = [[] for _ in lines]
    for f in findings:
        if keep is None or f.type in keep:
            by_line[f.line].append(f)
    result = Score(types={}, quiet={}, missed=[], spurious=[])

    def of(type_name):
        return result.types.setdefault(type_name, TypeScore())

    for t in types or []:
        of(t)
    for line, found in zip(lines, by_line):
        for item in line.expect:
            if keep is not None and item.type not in keep:
                continue
            s = of(item.type)
            s.expected += 1
            if any(_matches(f, item) for f in found):
                s.found += 1
            else:
                result.missed.append((line, item))
        for f in found:
            s = of(f.type)
            s.findings += 1
            if any(_matches(f, item) for item in line.expect):
                s.correct += 1
            else:
                result.spurious.append((line, f))
        if line.kind in ("lookalike", "clean"):
            counts = result.quiet.setdefault((line.lang, line.kind), [0, 0])
            counts[0] += not found
            counts[1] += 1
    return result


def total(score_, type_names):
    """One TypeScore summing the given types."""
    out = TypeScore()
    for t in type_names:
        s = score_.types.get(t)
        if s:
            out.expected += s.expected
            out.found += s.found
            out.findings += s.findings
            out.correct += s.correct
    return out


def quiet_share(score_, kind, lang=None):
    """[lines without a finding, lines] of a kind, for one language or all."""
    quiet = lines = 0
    for (l, k), (q, n) in score_.quiet.items():
        if k == kind and (lang is None or l == lang):
            quiet += q
            lines += n
    return quiet, lines


def ratio(value):
    return "-" if value is None else f"{value:.3f}"


def format_report(score_):
    """The per-type table, sums for identifiers and special categories, and the quiet shares of
    look-alike and clean lines per language."""
    out = []
    header = f"{'type':20} {'expected':>8} {'found':>6} {'recall':>7} " \
             f"{'findings':>8} {'correct':>7} {'precision':>9}"
    out.append(header)
    out.append("-" * len(header))

    def row(name, s):
        out.append(f"{name:20} {s.expected:8} {s.found:6} {ratio(s.recall):>7} "
                   f"{s.findings:8} {s.correct:7} {ratio(s.precision):>9}")

    ids = sorted(t for t in score_.types if t not in SPECIAL_TYPES)
    special = sorted(t for t in score_.types if t in SPECIAL_TYPES)
    for t in ids + special:
        row(t, score_.types[t])
    out.append("-" * len(header))
    if ids:
        row("identifiers", total(score_, ids))
    if special:
        row("special categories", total(score_, special))
    langs = sorted({lang for lang, _ in score_.quiet})
    if langs:
        out.append("")
        out.append("lines without any finding")
        out.append(f"{'lang':6} {'lookalike':>18} {'clean':>18}")
        for lang in langs + [None]:
            cells = []
            for kind in ("lookalike", "clean"):
                q, n = quiet_share(score_, kind, lang)
                cells.append(f"{q}/{n} {ratio(q / n if n else None)}" if n else "-")
            out.append(f"{lang or 'all':6} {cells[0]:>18} {cells[1]:>18}")
    return "\n".join(out)


def format_examples(score_, limit=10):
    """A few missed items and spurious findings, for reading (the corpus is synthetic)."""
    out = []
    for line, item in score_.missed[:limit]:
        what = repr(item.text) if item.text is not None else "(anywhere)"
        out.append(f"missed   {item.type:18} {what:28} {line.source} {line.text[:100]!r}")
    for line, f in score_.spurious[:limit]:
        snippet = line.text.encode("utf-8")[f.start:f.end].decode("utf-8", "replace")
        out.append(f"spurious {f.type:18} {snippet!r:28} {line.source} ({line.kind})")
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Recall and precision per type of a scanner over the labelled corpus.")
    parser.add_argument("--corpus", action="append", metavar="PATH",
                        help="a .jsonl file or a directory of them (repeatable; default "
                             "tests/guard/corpus)")
    parser.add_argument("--scanner", metavar="COMMAND",
                        help="the scanner command, shell words; {types} becomes the type list "
                             "(default: privacyd scan --format jsonl --types {types}, or "
                             "privacyd_guard_scan)")
    parser.add_argument("--findings", metavar="FILE",
                        help="score this JSONL file of findings instead of running a scanner")
    parser.add_argument("--write-texts", metavar="FILE",
                        help="only write the corpus texts, one per line, to FILE")
    parser.add_argument("--examples", type=int, default=0, metavar="N",
                        help="also print up to N missed items and N spurious findings")
    args = parser.parse_args(argv)

    files = corpus_files(args.corpus)
    if not files:
        print("guard_accuracy: no corpus files (tests/guard/corpus/*.jsonl, or --corpus)",
              file=sys.stderr)
        return 2
    try:
        lines = load_corpus(files)
    except CorpusError as e:
        print(f"guard_accuracy: {e}", file=sys.stderr)
        return 2
    if args.write_texts:
        write_texts(lines, args.write_texts)
        return 0
    types = corpus_types(lines)
    try:
        if args.findings:
            with open(args.findings, encoding="utf-8") as f:
                findings = parse_findings(f.read(), len(lines))
            scanner = args.findings
        else:
            command = expand_command(args.scanner, types) if args.scanner else \
                default_scanner(types)
            scanner = shlex.join(command)
            findings = run_scanner(command, lines)
    except (OSError, RuntimeError, ValueError) as e:
        print(f"guard_accuracy: {e}", file=sys.stderr)
        return 1
    result = score(lines, findings, types)
    print(f"corpus: {len(lines)} lines in {len(files)} files; scanner: {scanner}")
    print(format_report(result))
    if args.examples:
        print()
        print(format_examples(result, args.examples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
