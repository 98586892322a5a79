#!/usr/bin/python3
"""Prints the comparison table of bench/guard_compare.sh: throughput of privacyd's guard and of
each npm library on the same corpus texts, the ratio, and recall and precision per type.

usage: bench/guard_compare/report.py --dir DIR [--corpus PATH]... [--scanner "COMMAND"]

DIR holds what compare.mjs wrote (<tool>.findings.jsonl, timings.json) and privacyd_guard_bench's
JSON output on the corpus texts and on the generated forms (guard_bench_texts.json,
guard_bench_forms.json). privacyd's findings come from running its scanner over the corpus here
(bench/guard_accuracy.py's default: `privacyd scan --format jsonl`, or privacyd_guard_scan).
Scoring is guard_accuracy.score, the same for every tool.
"""

import argparse
import json
import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import guard_accuracy as ga  # noqa: E402

TARGET_RATIO = 300


def best_bench_runs(path):
    """run name -> the repetition with the highest bytes_per_second."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    best = {}
    for b in data.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration" or "bytes_per_second" not in b:
            continue
        name = b.get("run_name", b["name"])
        if name not in best or b["bytes_per_second"] > best[name]["bytes_per_second"]:
            best[name] = b
    return best


def cell(s, supported):
    if not supported:
        return f"{'no detector':>13}"
    return f"{ga.ratio(s.recall):>6} {ga.ratio(s.precision):>6}"


def tput(name, per_core, wall, us_per_text, ratio_text):
    print(f"  {name:32} {per_core:10.3f} {wall:10.3f} {us_per_text:10.2f} {ratio_text:>14}")


def bench_rates(b):
    """(MB/s per core from CPU time, MB/s from wall time, µs of CPU per text) of one
    Google Benchmark run, whichever clock its bytes_per_second was computed from."""
    cpu, real = b["cpu_time"], b["real_time"]
    if "real_time" in b.get("run_name", b["name"]):  # UseRealTime: the rate is wall-clock
        wall = b["bytes_per_second"] / 1e6
        per_core = wall * real / cpu
        per_text = 1e6 / b["items_per_second"] * cpu / real
    else:
        per_core = b["bytes_per_second"] / 1e6
        wall = per_core * cpu / real
        per_text = 1e6 / b["items_per_second"]
    return per_core, wall, per_text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--corpus", action="append", metavar="PATH")
    parser.add_argument("--scanner", metavar="COMMAND")
    args = parser.parse_args(argv)

    lines = ga.load_corpus(ga.corpus_files(args.corpus))
    types = ga.corpus_types(lines)
    command = ga.expand_command(args.scanner, types) if args.scanner else ga.default_scanner(types)
    privacyd_findings = ga.run_scanner(command, lines)

    with open(os.path.join(args.dir, "timings.json"), encoding="utf-8") as f:
        timings = json.load(f)
    sets = [("corpus", "texts", "labelled corpus lines"), ("forms", "forms", "2 KB mixed forms")]
    verdicts = []
    print("Throughput, in-process, one call per text, best of the rounds; start-up, loading and "
          "compilation not counted.\nPer core: bytes over the CPU time of the scanning (privacyd's "
          "threads; node's whole process).\nWall: bytes over elapsed time (with two threads, "
          "both cores together).")
    for set_name, bench_name, label in sets:
        bench_file = os.path.join(args.dir, f"guard_bench_{bench_name}.json")
        if not os.path.exists(bench_file) or not all(set_name in t["sets"] for t in timings):
            continue
        runs = best_bench_runs(bench_file)
        single = next((b for n, b in runs.items() if "threads" not in n), None)
        double = next((b for n, b in runs.items() if "threads:2" in n), None)
        if single is None:
            print(f"report: no BM_GuardTexts result in {bench_file}", file=sys.stderr)
            return 1
        any_set = timings[0]["sets"][set_name] if timings else None
        size = f"{any_set['texts']} texts, {any_set['bytes']:,} bytes" if any_set else ""
        print()
        print(f"{label} ({size})")
        print(f"  {'tool':32} {'MB/s/core':>10} {'MB/s wall':>10} {'µs/text':>10} "
              f"{'privacyd x':>14}")
        ours, wall, per_text = bench_rates(single)
        tput("privacyd guard, 1 thread", ours, wall, per_text, "")
        if double is not None:
            tput("privacyd guard, 2 threads", *bench_rates(double), "")
        for t in timings:
            m = t["sets"][set_name]
            r = ours / m["mb_per_s"] if m["mb_per_s"] > 0 else float("inf")
            tput(f"{t['package']} {t['version']}", m["mb_per_s"], m["mb_per_s_wall"],
                 m["ns_per_text"] / 1e3, f"{r:,.0f}x")
            verdicts.append(f"{label}: privacyd / {t['package']} per core = {r:,.0f}x "
                            f"(target {TARGET_RATIO}x: {'met' if r >= TARGET_RATIO else 'NOT met'})")
    texts = len(lines)
    for t in timings:
        if t.get("replay_disagrees"):
            verdicts.append(f"warning: the replay of {t['tool']} differs from its own output on "
                            f"{t['replay_disagrees']} of {texts} texts; its spans may be off")

    # --- accuracy
    tools = [("privacyd", privacyd_findings, set(types))]
    for t in timings:
        with open(os.path.join(args.dir, f"{t['tool']}.findings.jsonl"), encoding="utf-8") as f:
            raw = [json.loads(x) for x in f if x.strip()]
        findings = [ga.Finding(line=o["line"] - 1, start=o["start"], end=o["end"], type=o["type"])
                    for o in raw if o.get("type")]
        tools.append((t["tool"], findings, set(t.get("types", []))))
    scores = [(name, ga.score(lines, findings, types), supported)
              for name, findings, supported in tools]

    print()
    print("Recall and precision per type (rec prec); 'no detector': the tool has no type for it")
    header = f"{'type':20} {'n':>5} " + " ".join(f"{name[:13]:>13}" for name, _, _ in scores)
    print(header)
    print("-" * len(header))
    ids = [t for t in types if t not in ga.SPECIAL_TYPES]
    special = [t for t in types if t in ga.SPECIAL_TYPES]
    for t in ids + special:
        n = scores[0][1].types[t].expected
        print(f"{t:20} {n:5} " + " ".join(cell(s.types[t], t in sup) for _, s, sup in scores))
    print("-" * len(header))
    for label, group in (("identifiers", ids), ("special categories", special)):
        if group:
            n = ga.total(scores[0][1], group).expected
            print(f"{label:20} {n:5} " + " ".join(cell(ga.total(s, group), True)
                                                 for _, s, _ in scores))
    for kind in ("lookalike", "clean"):
        q, n = ga.quiet_share(scores[0][1], kind)
        if n:
            cells = []
            for _, s, _ in scores:
                q, n = ga.quiet_share(s, kind)
                cells.append(f"{q / n:13.3f}")
            print(f"{kind + ' w/o finding':20} {n:5} " + " ".join(cells))
    print()
    print("Totals count a type without a detector as missed. privacyd's scanner: "
          + shlex.join(command[:3]) + " ...")
    for v in verdicts:
        print(v)
    return 0


if __name__ == "__main__":
    sys.exit(main())
