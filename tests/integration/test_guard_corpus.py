"""The guard against its labelled corpus (tests/guard/corpus/*.jsonl), through the real binary:
`privacyd scan --format jsonl` over every line, scored by bench/guard_accuracy.py.

Fails when recall is below 0.99 on any identifier type or below 0.95 on any special category,
or when more than 1% of the look-alike lines or of the clean lines get a finding. Skipped, and
says so, while the corpus does not exist. The full per-type report is printed either way.
"""

import os
import sys
import unittest

from harness import BIN, SOURCE_DIR

sys.path.insert(0, os.path.join(SOURCE_DIR, "bench"))
import guard_accuracy  # noqa: E402

CORPUS_DIR = os.path.join(SOURCE_DIR, "tests", "guard", "corpus")
MIN_ID_RECALL = 0.99
MIN_SPECIAL_RECALL = 0.95
MIN_QUIET_SHARE = 0.99  # of look-alike lines, and of clean lines, with no finding


class GuardCorpus(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        files = guard_accuracy.corpus_files([CORPUS_DIR])
        if not files:
            raise unittest.SkipTest(f"the labelled corpus does not exist yet: no "
                                    f"{CORPUS_DIR}/*.jsonl")
        cls.lines = guard_accuracy.load_corpus(files)
        types = guard_accuracy.corpus_types(cls.lines)
        command = guard_accuracy.default_scanner(types, BIN)
        findings = guard_accuracy.run_scanner(command, cls.lines)
        cls.score = guard_accuracy.score(cls.lines, findings, types)
        print(f"\n{len(cls.lines)} corpus lines, scanner: {' '.join(command[:4])} ...",
              file=sys.stderr)
        print(guard_accuracy.format_report(cls.score), file=sys.stderr)

    def below(self, special, minimum):
        return [f"{t}: recall {s.found}/{s.expected} = {s.recall:.3f}"
                for t, s in sorted(self.score.types.items())
                if (t in guard_accuracy.SPECIAL_TYPES) == special and s.expected
                and s.recall < minimum]

    def examples(self, special):
        missed = [(line, item) for line, item in self.score.missed
                  if (item.type in guard_accuracy.SPECIAL_TYPES) == special]
        return "\n".join(f"  {item.type} {item.text or ''!r} in {line.source}: {line.text[:120]!r}"
                         for line, item in missed[:15])

    def check_recall(self, special, minimum):
        what = "special categories" if special else "identifier types"
        if not any((t in guard_accuracy.SPECIAL_TYPES) == special and s.expected
                   for t, s in self.score.types.items()):
            self.skipTest(f"the corpus expects no {what}")
        failing = self.below(special, minimum)
        if failing:
            self.fail(f"{what} under {minimum} recall:\n  " + "\n  ".join(failing)
                      + "\nmissed, for example:\n" + self.examples(special))

    def test_identifier_recall(self):
        self.check_recall(False, MIN_ID_RECALL)

    def test_special_category_recall(self):
        self.check_recall(True, MIN_SPECIAL_RECALL)

    def check_quiet(self, kind):
        quiet, lines = guard_accuracy.quiet_share(self.score, kind)
        if lines == 0:
            self.skipTest(f"the corpus has no {kind} lines")
        spurious = [(line, f) for line, f in self.score.spurious if line.kind == kind]
        detail = "\n".join(
            f"  {f.type} {line.text.encode('utf-8')[f.start:f.end].decode('utf-8', 'replace')!r}"
            f" in {line.source}" for line, f in spurious[:15])
        self.assertGreaterEqual(quiet / lines, MIN_QUIET_SHARE,
                                f"{lines - quiet} of {lines} {kind} lines have a finding:\n"
                                + detail)

    def test_lookalike_lines_have_no_finding(self):
        self.check_quiet("lookalike")

    def test_clean_lines_have_no_finding(self):
        self.check_quiet("clean")


if __name__ == "__main__":
    unittest.main()
