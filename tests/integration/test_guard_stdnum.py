"""Cross-checks the guard's identifier validators against python-stdnum, an implementation
nobody here wrote (Debian's python3-stdnum, run with /usr/bin/python3).

For every type stdnum covers, tens of thousands of candidates are generated: random strings of
the right shape, and numbers whose check digit stdnum computed (or, where stdnum offers no
calc_check_digit, the one final character stdnum accepts). Some are written in stdnum's own
display format, so separators are exercised too. privacyd_validate (tests/guard/validate_main.cc)
judges them all in one run; any disagreement fails the test unless it is one of the deliberate
differences below, each explained where it is declared.

Not cross-checked, because stdnum has no module for them: UK_NINO, DE_ID_CARD, SG_NRIC_FIN (stdnum
1.18's sg package has only the UEN), AU_MEDICARE. Their rules are covered by the unit tests in
src/guard/validators_test.cc.
"""

import os
import random
import re
import string
import subprocess
import unittest

try:
    import stdnum
    from stdnum import ean, iban, luhn, verhoeff
    from stdnum.au import tfn
    from stdnum.ch import ssn as ch_ssn
    from stdnum.de import idnr
    from stdnum.fr import nir
    from stdnum.gb import nhs
    from stdnum.il import idnr as il_idnr
    from stdnum.in_ import aadhaar, pan
    from stdnum.iso7064 import mod_11_10
    from stdnum.nl import bsn
    from stdnum.us import itin, ssn
    from stdnum.za import idnr as za_idnr
except ImportError:  # pragma: no cover - reported as a skip with the fix
    stdnum = None

HERE = os.path.dirname(os.path.abspath(__file__))
VALIDATE = os.environ.get(
    "PRIVACYD_VALIDATE", os.path.join(HERE, "..", "..", "build", "debug", "privacyd_validate"))
PER_TYPE = 20000
SEED = 20261126
DIGITS = string.digits
UPPER = string.ascii_uppercase


def digits(rng, n):
    return "".join(rng.choice(DIGITS) for _ in range(n))


def with_last_accepted(rng, prefix, alphabet, is_valid):
    """prefix plus the one final character stdnum accepts, or a random one if none is."""
    accepted = [c for c in alphabet if is_valid(prefix + c)]
    return prefix + (rng.choice(accepted) if accepted else rng.choice(alphabet))


# --- Deliberate differences: each returns True for a candidate on which we knowingly disagree.

def ssn_sample(candidate):
    # 123-45-6789 is the number every form and tutorial shows; we treat it as a sample, stdnum
    # accepts it.
    return candidate.replace("-", "") == "123456789"


def itin_new_groups(candidate):
    # The IRS extended ITIN groups to 50-65 (2011); stdnum 1.18 still allows only 70-99 without
    # 89 and 93.
    compact = candidate.replace("-", "")
    return len(compact) == 9 and 50 <= int(compact[3:5]) <= 65


def de_three_adjacent(candidate):
    # Since 2016 a digit may appear three times in the first ten, but not in three adjacent
    # positions; stdnum 1.18 accepts three adjacent.
    compact = re.sub(r"\D", "", candidate)
    return re.search(r"(\d)\1\1", compact[:10]) is not None


def za_refugee(candidate):
    # Citizenship digit 2 is issued to refugees; stdnum 1.18 accepts only 0 and 1.
    compact = candidate.replace(" ", "")
    return len(compact) == 13 and compact[10] == "2"


def pan_krish(candidate):
    # Holder type K ("Krish", discontinued and not listed by the Income Tax Department): stdnum
    # accepts it, we follow the department's list A B C F G H J L P T.
    return len(candidate) == 10 and candidate[3].upper() == "K"


# BBAN structures of the countries the SWIFT registry added after stdnum 1.18's copy of it.
NEW_IBAN_COUNTRIES = {"FK": "2!a12!n", "HN": "4!a20!n", "MN": "4!n12!n", "NI": "4!a20!n",
                      "OM": "3!n16!c", "SO": "4!n3!n12!n", "YE": "4!a4!n18!c"}


STDNUM_IBAN_COUNTRIES = set()


def iban_new_country(candidate):
    # Countries the SWIFT registry added after stdnum 1.18's copy of it: stdnum does not know
    # them. Only when stdnum has not learnt them yet.
    return candidate[:2] in NEW_IBAN_COUNTRIES and candidate[:2] not in STDNUM_IBAN_COUNTRIES


# --- Generators: rng -> candidate string.

def gen_ssn(rng):
    r = rng.random()
    if r < 0.02:
        n = rng.choice(["078051120", "219099999", "457555462", "123456789"])
    elif r < 0.5:
        n = rng.choice(["000", "666", "9" + digits(rng, 2), digits(rng, 3)]) + \
            rng.choice(["00", digits(rng, 2)]) + rng.choice(["0000", digits(rng, 4)])
    else:
        n = digits(rng, 9)
    return ssn.format(n) if rng.random() < 0.3 else n


def gen_itin(rng):
    n = rng.choice(["9", digits(rng, 1)]) + digits(rng, 8)
    return itin.format(n) if rng.random() < 0.3 else n


def gen_nhs(rng):
    if rng.random() < 0.5:
        n = with_last_accepted(rng, digits(rng, 9), DIGITS, nhs.is_valid)
    else:
        n = digits(rng, 10)
    return nhs.format(n) if rng.random() < 0.3 else n


def gen_idnr(rng):
    r = rng.random()
    if r < 0.8:
        ten = list(DIGITS)
        rng.shuffle(ten)
        repeats = rng.choice([2, 2, 3, 4])
        for _ in range(repeats - 1):
            ten[rng.randrange(10)] = ten[rng.randrange(10)]
        if rng.random() < 0.3:  # make adjacent repetitions likely
            i = rng.randrange(8)
            ten[i + 1] = ten[i]
            if rng.random() < 0.5:
                ten[i + 2] = ten[i]
        first_ten = "".join(ten)
        n = first_ten + (mod_11_10.calc_check_digit(first_ten) if rng.random() < 0.8
                         else rng.choice(DIGITS))
    else:
        n = digits(rng, 11)
    return idnr.format(n) if rng.random() < 0.3 else n


def gen_bsn(rng):
    n = with_last_accepted(rng, digits(rng, 8), DIGITS, bsn.is_valid) if rng.random() < 0.5 \
        else digits(rng, 9)
    return bsn.format(n) if rng.random() < 0.3 else n


def gen_nir(rng):
    dept = rng.choice(["2A", "2B", digits(rng, 2), digits(rng, 2), "2C", "A2"])
    body = digits(rng, 5) + dept + digits(rng, 6)
    if rng.random() < 0.7 and dept[0].isdigit() and dept[1] in "0123456789AB":
        key = nir.calc_check_digits(body + "00")
    else:
        key = digits(rng, 2)
    n = body + key
    return nir.format(n) if rng.random() < 0.3 else n


def gen_il(rng):
    eight = digits(rng, 8) if rng.random() < 0.98 else "00000000"
    n = eight + (luhn.calc_check_digit(eight) if rng.random() < 0.6 else rng.choice(DIGITS))
    return il_idnr.format(n) if rng.random() < 0.3 else n


def gen_za(rng):
    yy = digits(rng, 2)
    mm = "%02d" % rng.randrange(0, 14)
    dd = "%02d" % rng.randrange(0, 33)
    if rng.random() < 0.1:
        mm, dd = "02", "29"
    twelve = yy + mm + dd + digits(rng, 4) + rng.choice("0001123") + digits(rng, 1)
    n = twelve + (luhn.calc_check_digit(twelve) if rng.random() < 0.7 else rng.choice(DIGITS))
    return za_idnr.format(n) if rng.random() < 0.3 else n


def gen_aadhaar(rng):
    if rng.random() < 0.01:
        half = digits(rng, 6)
        n = half + half[::-1]
    else:
        eleven = digits(rng, 11)
        n = eleven + (verhoeff.calc_check_digit(eleven) if rng.random() < 0.6
                      else rng.choice(DIGITS))
    return aadhaar.format(n) if rng.random() < 0.3 else n


def gen_pan(rng):
    letters = "".join(rng.choice(UPPER) for _ in range(5))
    if rng.random() < 0.6:
        letters = letters[:3] + rng.choice("ABCFGHJLPTK") + letters[4]
    serial = "0000" if rng.random() < 0.02 else digits(rng, 4)
    n = letters + serial + rng.choice(UPPER + "1")
    return n.lower() if rng.random() < 0.1 else n


def gen_tfn(rng):
    length = rng.choice([8, 9, 9])
    n = with_last_accepted(rng, digits(rng, length - 1), DIGITS, tfn.is_valid) \
        if rng.random() < 0.5 else digits(rng, length)
    return tfn.format(n) if rng.random() < 0.3 and length == 9 else n


def gen_ahv(rng):
    twelve = rng.choice(["756", "756", digits(rng, 3)]) + digits(rng, 9)
    n = twelve + (ean.calc_check_digit(twelve) if rng.random() < 0.6 else rng.choice(DIGITS))
    return ch_ssn.format(n) if rng.random() < 0.3 else n


CARD_PREFIXES = ["4", "51", "55", "56", "50", "2221", "2720", "2220", "2721", "34", "37", "35",
                 "6011", "6012", "644", "649", "643", "65", "3528", "3589", "3527", "3590", "36",
                 "300", "305", "306", "38", "39", "62", "63", "1", "7", "8", "9"]


def gen_card(rng):
    prefix = rng.choice(CARD_PREFIXES)
    length = rng.randrange(12, 21)
    body = prefix + digits(rng, max(0, length - len(prefix) - 1))
    n = body + (luhn.calc_check_digit(body) if rng.random() < 0.7 else rng.choice(DIGITS))
    if rng.random() < 0.2:
        n = " ".join(n[i:i + 4] for i in range(0, len(n), 4))
    return n


def issuer_ok(number):
    """The issuer table of the brief, written again here from the specification."""
    n = len(number)

    def starts(lo, hi):
        k = len(str(lo))
        return len(number) >= k and lo <= int(number[:k]) <= hi

    return any([
        starts(4, 4) and n in (13, 16, 19),
        (starts(51, 55) or starts(2221, 2720)) and n == 16,
        (starts(34, 34) or starts(37, 37)) and n == 15,
        (starts(6011, 6011) or starts(644, 649) or starts(65, 65)) and 16 <= n <= 19,
        starts(3528, 3589) and 16 <= n <= 19,
        (starts(36, 36) or starts(300, 305) or starts(38, 39)) and 14 <= n <= 19,
        starts(62, 62) and 16 <= n <= 19,
    ])


def card_reference(candidate):
    number = candidate.replace(" ", "")
    return 13 <= len(number) <= 19 and luhn.is_valid(number) and issuer_ok(number)


def _iban_structures():
    """stdnum's registry copy plus the newer countries; fills STDNUM_IBAN_COUNTRIES."""
    structures = {}
    with open(os.path.join(os.path.dirname(iban.__file__), "iban.dat")) as f:
        for line in f:
            m = re.match(r'^([A-Z]{2}) .*bban="([^"]*)"', line)
            if m:
                structures[m.group(1)] = re.findall(r"(\d+)!([nac])", m.group(2))
    STDNUM_IBAN_COUNTRIES.update(structures)
    for cc, bban in NEW_IBAN_COUNTRIES.items():
        structures.setdefault(cc, re.findall(r"(\d+)!([nac])", bban))
    return structures


def gen_iban(rng, structures):
    cc = rng.choice(sorted(structures) + ["XX", "US"])
    runs = structures.get(cc, [("16", "c")])
    classes = {"n": DIGITS, "a": UPPER, "c": DIGITS + UPPER}
    r = rng.random()
    if r < 0.7:
        bban = "".join(rng.choice(classes[k]) for count, k in runs for _ in range(int(count)))
    elif r < 0.85:  # right length, any characters
        bban = "".join(rng.choice(DIGITS + UPPER) for count, _ in runs for _ in range(int(count)))
    else:  # wrong length
        length = sum(int(count) for count, _ in runs) + rng.choice([-1, 1])
        bban = "".join(rng.choice(DIGITS) for _ in range(length))
    check = iban.calc_check_digits(cc + "00" + bban) if rng.random() < 0.7 else digits(rng, 2)
    n = cc + check + bban
    return iban.format(n) if rng.random() < 0.3 else n


def gen_digits(rng):
    return digits(rng, rng.randrange(2, 21))


def gen_digits_with(calc):
    def gen(rng):
        body = digits(rng, rng.randrange(1, 20))
        return body + (calc(body) if rng.random() < 0.5 else rng.choice(DIGITS))
    return gen


@unittest.skipIf(stdnum is None, "python3-stdnum missing: apt-get install python3-stdnum")
class GuardValidatorsAgreeWithStdnum(unittest.TestCase):

    def test_agreement(self):
        self.assertTrue(os.access(VALIDATE, os.X_OK), "privacyd_validate not built: " + VALIDATE)
        structures = _iban_structures()
        # type -> (generator, stdnum reference, deliberate difference or None)
        cases = {
            "US_SSN": (gen_ssn, ssn.is_valid, ssn_sample),
            "US_ITIN": (gen_itin, itin.is_valid, itin_new_groups),
            "UK_NHS": (gen_nhs, nhs.is_valid, None),
            "DE_TAX_ID": (gen_idnr, idnr.is_valid, de_three_adjacent),
            "NL_BSN": (gen_bsn, bsn.is_valid, None),
            "FR_NIR": (gen_nir, nir.is_valid, None),
            "IL_ID": (gen_il, il_idnr.is_valid, None),
            "ZA_ID": (gen_za, za_idnr.is_valid, za_refugee),
            "IN_AADHAAR": (gen_aadhaar, aadhaar.is_valid, None),
            "IN_PAN": (gen_pan, pan.is_valid, pan_krish),
            "AU_TFN": (gen_tfn, tfn.is_valid, None),
            "CH_AHV": (gen_ahv, ch_ssn.is_valid, None),
            "CREDIT_CARD": (gen_card, card_reference, None),
            # National check digits inside the BBAN (check_country) are the scanner's business
            # at most; the IBAN's own rules are registry, length, structure and mod 97.
            "IBAN": (lambda rng: gen_iban(rng, structures),
                     lambda c: iban.is_valid(c, check_country=False), iban_new_country),
            "LUHN": (gen_digits_with(luhn.calc_check_digit), luhn.is_valid, None),
            "VERHOEFF": (gen_digits_with(verhoeff.calc_check_digit), verhoeff.is_valid, None),
            "ISO7064_MOD_11_10": (gen_digits_with(mod_11_10.calc_check_digit),
                                  mod_11_10.is_valid, None),
        }
        rng = random.Random(SEED)
        lines = []
        for type_name, (gen, _, _) in cases.items():
            for _ in range(PER_TYPE):
                lines.append((type_name, gen(rng)))
        proc = subprocess.run([VALIDATE], input="".join(f"{t}\t{c}\n" for t, c in lines),
                              capture_output=True, text=True, timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        ours = proc.stdout.split()
        self.assertEqual(len(ours), len(lines))

        failures = []
        for type_name, (_, reference, deliberate) in cases.items():
            counts = {"valid": 0, "invalid": 0, "deliberate": 0, "disagree": 0}
            for (t, candidate), verdict in zip(lines, ours):
                if t != type_name:
                    continue
                mine, theirs = verdict == "1", bool(reference(candidate))
                if mine == theirs:
                    counts["valid" if mine else "invalid"] += 1
                elif deliberate is not None and deliberate(candidate):
                    counts["deliberate"] += 1
                else:
                    counts["disagree"] += 1
                    if len(failures) < 10:
                        failures.append(f"{type_name} {candidate!r}: ours {int(mine)}, "
                                        f"stdnum {int(theirs)}")
            print(f"{type_name:18} agree valid {counts['valid']:6} invalid {counts['invalid']:6}"
                  f"  deliberate {counts['deliberate']:5}  disagree {counts['disagree']}")
        self.assertEqual(failures, [], "disagreements with stdnum " + stdnum.__version__)


if __name__ == "__main__":
    unittest.main()
