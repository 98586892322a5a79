#!/usr/bin/python3
"""Scores the guard on the labelled corpus (README.md beside this file says how).

Usage:
    /usr/bin/python3 tests/guard/corpus/score.py --scan build/release/privacyd_guard_scan \
        [--lexicons data/guard/lexicons] [--split tune|holdout|all] [--show-errors N]

Runs the scan tool once per corpus file, then prints recall and precision per type for each kind
of line (id, lookalike, special, clean) and the errors, if asked.

The split: a line whose id ends in an odd number belongs to the tuning half, an even one to the
held-out half. Lexicons are tuned on the first and only measured on the second.
"""
import argparse
import collections
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SPECIAL = {"HEALTH", "ETHNIC", "POLITICAL", "RELIGION", "TRADE_UNION", "SEXUAL_ORIENTATION",
           "GENETIC", "BIOMETRIC"}
NOT_SENSITIVE = {"EMAIL", "PHONE", "IP_ADDRESS"}


def in_split(row, split):
    n = int(row["id"].rsplit("-", 1)[1])
    return split == "all" or (split == "tune") == (n % 2 == 1)


def scan(tool, lexicons, rows):
    cmd = [tool]
    if lexicons:
        cmd += ["--lexicons", lexicons]
    text = "".join(r["text"] + "\n" for r in rows)
    out = subprocess.run(cmd, input=text.encode(), capture_output=True, check=True).stdout
    findings = collections.defaultdict(list)
    for line in out.decode().splitlines():
        f = json.loads(line)
        if f["type"] in NOT_SENSITIVE:
            continue
        findings[f["line"] - 1].append(f)
    return findings


def byte_span(text, sub):
    """Byte offsets of `sub` in `text` (the scanner reports byte offsets)."""
    i = text.index(sub)
    start = len(text[:i].encode())
    return start, start + len(sub.encode())


def evaluate(rows, findings):
    """Per type: expected, found (recall numerator), findings, matching findings."""
    stats = collections.defaultdict(lambda: collections.Counter())
    errors = []
    for i, row in enumerate(rows):
        fs = findings.get(i, [])
        used = set()
        for e in row["expect"]:
            t = e["type"]
            stats[t]["expected"] += 1
            hit = None
            for k, f in enumerate(fs):
                if f["type"] != t:
                    continue
                if "text" in e:
                    s, t_end = byte_span(row["text"], e["text"])
                    if f["start"] < t_end and s < f["end"]:
                        hit = k
                        break
                else:
                    hit = k
                    break
            if hit is None:
                errors.append(("missed", row, t, None))
            else:
                stats[t]["found"] += 1
        for k, f in enumerate(fs):
            t = f["type"]
            stats[t]["findings"] += 1
            match = False
            for e in row["expect"]:
                if e["type"] != t:
                    continue
                if "text" in e:
                    s, t_end = byte_span(row["text"], e["text"])
                    match = f["start"] < t_end and s < f["end"]
                else:
                    match = True
                if match:
                    break
            if match:
                stats[t]["correct"] += 1
            else:
                snippet = row["text"].encode()[f["start"]:f["end"]].decode(errors="replace")
                errors.append(("false", row, t, snippet))
    return stats, errors


def ratio(a, b):
    return f"{a / b:.3f}" if b else "  -  "


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scan", required=True)
    ap.add_argument("--lexicons")
    ap.add_argument("--split", default="all", choices=["tune", "holdout", "all"])
    ap.add_argument("--show-errors", type=int, default=0)
    ap.add_argument("--kinds", default="id,lookalike,special,clean")
    args = ap.parse_args()
    for kind in args.kinds.split(","):
        name = {"id": "ids", "lookalike": "lookalikes", "special": "special", "clean": "clean"}[kind]
        with open(os.path.join(HERE, name + ".jsonl"), encoding="utf-8") as f:
            rows = [json.loads(l) for l in f if l.strip()]
        rows = [r for r in rows if in_split(r, args.split)]
        findings = scan(args.scan, args.lexicons, rows)
        stats, errors = evaluate(rows, findings)
        print(f"== {name}.jsonl ({args.split}): {len(rows)} lines")
        if kind in ("id", "special"):
            print(f"  {'type':20} {'expected':>8} {'recall':>7} {'findings':>8} {'precision':>9}")
            for t in sorted(stats):
                s = stats[t]
                print(f"  {t:20} {s['expected']:8d} {ratio(s['found'], s['expected']):>7} "
                      f"{s['findings']:8d} {ratio(s['correct'], s['findings']):>9}")
            tot = sum((stats[t] for t in stats if (t in SPECIAL) == (kind == "special")),
                      collections.Counter())
            print(f"  {'ALL':20} {tot['expected']:8d} {ratio(tot['found'], tot['expected']):>7} "
                  f"{tot['findings']:8d} {ratio(tot['correct'], tot['findings']):>9}")
        else:
            flagged = sum(1 for i in range(len(rows)) if findings.get(i))
            by_type = collections.Counter(f["type"] for fs in findings.values() for f in fs)
            print(f"  lines with a finding: {flagged} of {len(rows)} "
                  f"(clean-line precision {1 - flagged / max(1, len(rows)):.3f}); by type: "
                  + ", ".join(f"{t} {n}" for t, n in by_type.most_common()))
        for what, row, t, snippet in errors[:args.show_errors]:
            extra = f" [{snippet}]" if snippet else ""
            print(f"    {what:6} {t:18} {row['id']}: {row['text'][:150]}{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
