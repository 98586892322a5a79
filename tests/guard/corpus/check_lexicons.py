#!/usr/bin/python3
"""Checks the guard's lexicon files before the scanner compiles them.

Usage: /usr/bin/python3 tests/guard/corpus/check_lexicons.py [data/guard/lexicons/*.yml]

For each file: the keys are the ones docs/guard.md describes, every {name} in a rule names a list
of the file, every rule has a known category, and every pattern, cue, exclusion and context word
compiles. Python's `re` stands in for Hyperscan here, so the check also refuses what Hyperscan
does not support (look-around, back-references, \\b, lazy and possessive quantifiers). It is an
approximation: the scanner's own compilation has the last word.
"""
import glob
import re
import sys

import yaml

CATEGORIES = {"HEALTH", "ETHNIC", "POLITICAL", "RELIGION", "TRADE_UNION", "SEXUAL_ORIENTATION",
              "GENETIC", "BIOMETRIC"}
ID_TYPES = {"US_SSN", "US_ITIN", "US_DRIVER_LICENSE", "US_PASSPORT", "UK_NINO", "UK_NHS",
            "UK_PASSPORT", "DE_TAX_ID", "DE_ID_CARD", "NL_BSN", "FR_NIR", "IL_ID", "ZA_ID",
            "SG_NRIC_FIN", "IN_AADHAAR", "IN_PAN", "AU_TFN", "AU_MEDICARE", "CH_AHV",
            "CREDIT_CARD", "IBAN"}
KEYS = {"language", "lists", "cues", "exclude", "rules", "id_context"}
RULE_KEYS = {"category", "pattern", "needs_cue", "score"}
UNSUPPORTED = [
    (re.compile(r"\(\?<?[=!]"), "look-around"),
    (re.compile(r"\\[1-9]"), "back-reference"),
    (re.compile(r"\\b|\\B"), "word boundary (the engine matches whole words itself)"),
    (re.compile(r"(?<!\\)[*+?}]\?(?![:=!<])"), "lazy quantifier"),
    (re.compile(r"(?<!\\)[*+?}]\+"), "possessive quantifier"),
]
LIST_REF = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def expand(pattern, lists):
    def sub(m):
        name = m.group(1)
        if name not in lists:
            raise KeyError(name)
        return "(?:" + "|".join(lists[name]) + ")"
    return LIST_REF.sub(sub, pattern)


def check_regex(where, pattern, errors):
    if pattern != pattern.strip():
        errors.append(f"{where}: begins or ends with a blank, so no whole word can match it")
    for rx, what in UNSUPPORTED:
        if rx.search(pattern):
            errors.append(f"{where}: {what} in {pattern[:80]!r}")
    try:
        re.compile(pattern, re.IGNORECASE)
    except re.error as e:
        errors.append(f"{where}: does not compile: {e}")


def check_file(path):
    errors = []
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict):
        return [f"{path}: not a mapping"]
    for key in doc:
        if key not in KEYS:
            errors.append(f"{path}: unknown key {key!r}")
    lists = doc.get("lists") or {}
    for name, entries in lists.items():
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            errors.append(f"{path}: list {name} is not a list of strings")
            continue
        for e in entries:
            if LIST_REF.search(e):
                errors.append(f"{path}: list {name}: {{name}} inside a list entry: {e!r}")
            check_regex(f"{path}: list {name}", e, errors)
    for section in ("cues", "exclude"):
        for i, e in enumerate(doc.get(section) or []):
            check_regex(f"{path}: {section}[{i}]", e, errors)
    for i, rule in enumerate(doc.get("rules") or []):
        where = f"{path}: rules[{i}]"
        for key in rule:
            if key not in RULE_KEYS:
                errors.append(f"{where}: unknown key {key!r}")
        if rule.get("category") not in CATEGORIES:
            errors.append(f"{where}: unknown category {rule.get('category')!r}")
        score = rule.get("score")
        if score is not None and not (0 < float(score) <= 1):
            errors.append(f"{where}: score {score} outside (0, 1]")
        try:
            pattern = expand(rule["pattern"], lists)
        except KeyError as e:
            errors.append(f"{where}: unknown list {e}")
            continue
        check_regex(where, pattern, errors)
    contexts = doc.get("id_context") or {}
    for t in ID_TYPES - set(contexts):
        errors.append(f"{path}: id_context has no words for {t}")
    for t, words in contexts.items():
        if t not in ID_TYPES:
            errors.append(f"{path}: id_context: unknown type {t}")
        for w in words:
            check_regex(f"{path}: id_context {t}", w, errors)
    return errors


def main(argv):
    paths = argv[1:] or sorted(glob.glob("data/guard/lexicons/*.yml"))
    errors = []
    for path in paths:
        errors += check_file(path)
    for e in errors:
        print(e)
    print(f"{len(paths)} files, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
