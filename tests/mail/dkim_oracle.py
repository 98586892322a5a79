"""Verifies the DKIM signature of a message with python3-dkim, which privacyd did not write.

    /usr/bin/python3 dkim_oracle.py --key PRIVATE_KEY.pem MESSAGE_FILE

The public key is derived from the private key by the openssl command, and published to
dkim.verify as the TXT record a domain would (RFC 6376 section 3.6.1; RFC 8463 for Ed25519):
"v=DKIM1; k=rsa; p=<SubjectPublicKeyInfo>" or "v=DKIM1; k=ed25519; p=<the 32 raw bytes>".
Prints the names of the signed header fields (h=, lower case, one per line) and exits 0 when
the signature verifies, 1 when it does not, 2 on a usage error.
"""

import argparse
import base64
import logging
import subprocess
import sys

import dkim

ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


def txt_record(key_file):
    der = subprocess.run(["openssl", "pkey", "-in", key_file, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    if der.startswith(ED25519_SPKI_PREFIX):
        return b"v=DKIM1; k=ed25519; p=" + base64.b64encode(der[len(ED25519_SPKI_PREFIX):])
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--key", required=True)
    parser.add_argument("message")
    args = parser.parse_args()
    with open(args.message, "rb") as f:
        message = f.read()
    record = txt_record(args.key)
    def dnsfunc(name, timeout=5):
        return record

    log = logging.getLogger("dkim_oracle")
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    d = dkim.DKIM(message, logger=log)
    try:
        ok = d.verify(dnsfunc=dnsfunc)
    except dkim.DKIMException as e:
        print(f"dkim: {e}", file=sys.stderr)
        ok = False
    for name, _ in getattr(d, "signed_headers", []) or []:
        print(name.decode().lower())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
