"""/openapi.json as served by the real daemon passes a real OpenAPI 3.1 validator (npm
@seriousme/openapi-schema-validator, installed by ./dev deps). That every route the router
serves is documented is checked by the unit test OpenApi.DescribesExactlyTheRoutesTheRouterServes."""

import os
import shutil
import subprocess
import unittest

from harness import SOURCE_DIR, DaemonTest


class OpenApiTest(DaemonTest):
    def test_served_document_is_valid_openapi_31(self):
        node = shutil.which("node")
        self.assertIsNotNone(node, "node is required (./dev deps installs it)")
        validator = os.path.join(SOURCE_DIR, "tests", "openapi", "validate.mjs")
        modules = os.path.join(SOURCE_DIR, "tests", "openapi", "node_modules")
        self.assertTrue(os.path.isdir(modules), "run ./dev deps to install the validator")
        daemon = self.start_daemon()
        proc = subprocess.run([node, validator, f"http://127.0.0.1:{daemon.port}/openapi.json"],
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def test_validator_rejects_a_broken_document(self):
        # The validator must be able to fail: a document without its required `info` is refused.
        node = shutil.which("node")
        broken = os.path.join(self.tmp, "broken.json")
        with open(broken, "w") as f:
            f.write('{"openapi": "3.1.0", "paths": {}}')
        validator = os.path.join(SOURCE_DIR, "tests", "openapi", "validate.mjs")
        proc = subprocess.run([node, validator, broken], capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)


if __name__ == "__main__":
    unittest.main()
