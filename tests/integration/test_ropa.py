"""The record of processing activities from the real daemon and CLI: roles, the JSON, CSV and XLSX
exports holding the same rows, and the XLSX opened by LibreOffice (converted to CSV by
`libreoffice --headless`) matching the CSV export cell by cell."""

import csv
import io
import json
import os
import shutil
import subprocess
import unittest

from harness import BIN, DaemonTest, make_user

EXAMPLE_PURPOSES = 15  # purposes in examples/policy.yaml


def parse_csv(data):
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


class RopaTest(DaemonTest):
    def setUp(self):
        super().setUp()
        self.auditor = make_user(self.data, "audrey", "auditor")
        self.agent = make_user(self.data, "sam", "support_agent")
        self.daemon = self.start_daemon()

    def get(self, query, token=None):
        return self.daemon.request("GET", "/v1/admin/ropa" + query, token=token or self.auditor)

    def test_roles_and_json(self):
        self.assertProblem(self.daemon.request("GET", "/v1/admin/ropa"), 401, "unauthenticated")
        self.assertProblem(self.get("", token=self.agent), 403, "forbidden")

        status, headers, body = self.get("")
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertNotIn("content-disposition", headers)
        doc = json.loads(body)
        self.assertEqual(len(doc["activities"]), EXAMPLE_PURPOSES)
        self.assertEqual(doc["policy_version"], "2024-08")
        self.assertEqual(doc["controller"]["name"], "Mimecast Services Limited")
        marketing = next(a for a in doc["activities"] if a["id"] == "marketing_email")
        self.assertEqual(marketing["legal_basis"]["gdpr"], "consent")
        india = [t for t in marketing["transfers"]
                 if t["recipient"] == "marketing_partners" and t["country"] == "IN"]
        self.assertEqual(india[0]["text"], "standard contractual clauses")

        self.assertProblem(self.get("?format=pdf"), 400, "invalid_format")
        self.assertProblem(self.get("?lang=es"), 400, "unsupported_language")
        status, _, body = self.get("?lang=de")
        self.assertEqual(status, 200)
        german = next(a for a in json.loads(body)["activities"] if a["id"] == "marketing_email")
        self.assertEqual(german["name"], "Newsletter, Hinweise und Informationen über unsere Dienste")

    def test_csv_has_the_rows_of_the_json(self):
        _, _, body = self.get("?format=json")
        activities = json.loads(body)["activities"]
        status, headers, body = self.get("?format=csv")
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["content-type"], "text/csv; charset=utf-8")
        self.assertEqual(headers["content-disposition"], 'attachment; filename="ropa-2024-08.csv"')
        rows = parse_csv(body)
        header, rows = rows[0], rows[1:]
        self.assertEqual(header[:2], ["Activity ID", "Activity"])
        self.assertEqual(len(rows), len(activities))
        col = {name: i for i, name in enumerate(header)}
        for row, activity in zip(rows, activities):
            self.assertEqual(len(row), len(header))
            self.assertEqual(row[col["Activity ID"]], activity["id"])
            self.assertEqual(row[col["Activity"]], activity["name"])
            self.assertEqual(row[col["Purposes"]], activity["description"])
            self.assertEqual(row[col["Legal basis"]], activity["legal_basis_text"])
            self.assertEqual(row[col["Categories of data subjects"]],
                             "; ".join(s["name"] for s in activity["data_subjects"]))
            self.assertEqual(row[col["Categories of personal data"]],
                             "; ".join(c["name"] for c in activity["data_categories"]))
            self.assertEqual(row[col["Recipients"]],
                             "; ".join(f'{r["name"]} ({r["role_text"]})'
                                       for r in activity["recipients"]))
            self.assertEqual(row[col["Retention"]], activity["retention"]["text"])
            self.assertEqual(row[col["Security measures"]], activity["security_measures"])
            self.assertEqual(row[col["Collection points"]],
                             "; ".join(p["name"] for p in activity["collection_points"]))
            for t in activity["transfers"]:
                self.assertIn(t["country"], row[col["Transfers to third countries"]])

    def test_xlsx_opens_in_libreoffice_with_the_csv_cells(self):
        office = shutil.which("libreoffice") or shutil.which("soffice")
        self.assertIsNotNone(office, "libreoffice is required (./dev deps installs "
                                     "libreoffice-calc-nogui)")
        _, _, csv_body = self.get("?format=csv")
        status, headers, xlsx = self.get("?format=xlsx")
        self.assertEqual(status, 200, xlsx[:200])
        self.assertEqual(headers["content-type"],
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        self.assertEqual(headers["content-disposition"],
                         'attachment; filename="ropa-2024-08.xlsx"')
        self.assertEqual(int(headers["content-length"]), len(xlsx))
        self.assertEqual(xlsx[:4], b"PK\x03\x04")

        path = os.path.join(self.tmp, "ropa.xlsx")
        with open(path, "wb") as f:
            f.write(xlsx)
        out_dir = os.path.join(self.tmp, "converted")
        profile = os.path.join(self.tmp, "lo-profile")
        # A fresh profile per run: LibreOffice refuses to start a second instance on a profile
        # that is in use, and must not read the user's settings. Filter options 44,34,76 =
        # comma-separated, double-quoted, UTF-8; only the first sheet ("ROPA") is converted.
        proc = subprocess.run(
            [office, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
             "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", out_dir, path],
            capture_output=True, text=True, timeout=120)
        converted = os.path.join(out_dir, "ropa.csv")
        self.assertTrue(os.path.exists(converted), proc.stdout + proc.stderr)
        with open(converted, "rb") as f:
            office_rows = parse_csv(f.read())
        expected = parse_csv(csv_body)
        self.assertEqual(len(office_rows), len(expected))
        for r, (got, want) in enumerate(zip(office_rows, expected)):
            self.assertEqual(len(got), len(want), f"row {r}")
            for c, (g, w) in enumerate(zip(got, want)):
                self.assertEqual(g, w, f"row {r} column {expected[0][c]}")

    def test_cli_writes_the_same_record(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PRIVACYD_")}
        out = os.path.join(self.tmp, "cli.xlsx")
        proc = subprocess.run([BIN, "ropa", "--format", "xlsx", "--output", out], env=env,
                              capture_output=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(out, "rb") as f:
            self.assertEqual(f.read(4), b"PK\x03\x04")
        proc = subprocess.run([BIN, "ropa", "--format", "csv", "--lang", "fr"], env=env,
                              capture_output=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        rows = parse_csv(proc.stdout)
        self.assertEqual(len(rows), EXAMPLE_PURPOSES + 1)
        self.assertIn("Réponse à vos demandes", [row[1] for row in rows])
        proc = subprocess.run([BIN, "ropa", "--format", "json", "--lang", "es"], env=env,
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("unsupported_language", proc.stderr)


if __name__ == "__main__":
    unittest.main()
