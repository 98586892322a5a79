"""Reads an access package with Python's own zipfile, json, csv and html.parser modules, which
privacyd did not write, and prints what it found as one JSON object:

    /usr/bin/python3 package_oracle.py PACKAGE.zip

{"files": [names], "bad_member": null or the first corrupt member, "data": {"format", "language",
"values", "identities", "redactions", "disclosures": [[recipient, purpose, [categories]]]},
"csv": {name: {"header": [...], "rows": n, "columns": {n, ...}}}, "html": {"lang", "tags":
{"script": n, "link": n, "img": n, "iframe": n}, "external": n, "sections": {h2 text: [the
text of each li, or of each p, that follows it]}}}. Exits 0, or 2 on a usage error.
"""

import csv
import io
import json
import sys
import zipfile
from html.parser import HTMLParser


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.lang = None
        self.tags = {"script": 0, "link": 0, "img": 0, "iframe": 0, "object": 0, "embed": 0}
        self.external = 0
        self.sections = {}
        self.section = None
        self.text = None  # the text of the h2, li or p being read

    def handle_starttag(self, tag, attrs):
        if tag in ("h2", "li", "p"):
            self.text = ""
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        if tag in self.tags:
            self.tags[tag] += 1
        for name, value in attrs:
            if name in ("src", "srcset", "data") or name.startswith("on"):
                self.external += 1

    def handle_data(self, data):
        if self.text is not None:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "h2":
            self.section = self.text.strip()
            self.sections[self.section] = []
        elif tag in ("li", "p") and self.section is not None and self.text is not None:
            self.sections[self.section].append(self.text.strip())
        if tag in ("h2", "li", "p"):
            self.text = None


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = {}
    with zipfile.ZipFile(sys.argv[1]) as package:
        out["files"] = package.namelist()
        out["bad_member"] = package.testzip()
        data = json.loads(package.read("data.json").decode("utf-8"))
        out["data"] = {
            "format": data["format"],
            "language": data["language"],
            "values": len(data["values"]),
            "identities": len(data["identities"]),
            "redactions": data["redactions"],
            "disclosures": [[d["recipient"], d["purpose"], d["categories"]]
                            for d in data["disclosures"]],
        }
        out["csv"] = {}
        for name in out["files"]:
            if not name.endswith(".csv"):
                continue
            text = package.read(name).decode("utf-8")
            rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
            out["csv"][name] = {
                "header": rows[0],
                "rows": len(rows) - 1,
                "columns": sorted({len(r) for r in rows}),
                "cells": rows[1:],
            }
        page = Page()
        page.feed(package.read("index.html").decode("utf-8"))
        out["html"] = {"lang": page.lang, "tags": page.tags, "external": page.external,
                       "sections": page.sections}
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
