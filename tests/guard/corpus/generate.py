#!/usr/bin/python3
"""Builds the labelled corpus of the sensitive-data guard (see README.md beside this file).

Run with Debian's Python, which has python3-stdnum:

    /usr/bin/python3 tests/guard/corpus/generate.py

Writes ids.jsonl, lookalikes.jsonl, special.jsonl and clean.jsonl beside this file. The output
depends only on this file, the hand-written sentences in sentences/ and the fixed seed.

Identifiers are made here (our own check-digit code) and every one is verified with
python-stdnum where it has a module: a valid number must pass it, a look-alike must fail it (and
fail our own check too). Generic look-alikes (order numbers, dates, prices, ...) are checked
against every validator so that none of them is a valid identifier by accident.
"""
import json
import os
import random
import re
import sys

from stdnum import iban as std_iban
from stdnum import luhn as std_luhn
from stdnum.au import tfn as std_au_tfn
from stdnum.ch import ssn as std_ch_ssn
from stdnum.de import idnr as std_de_idnr
from stdnum.fr import nir as std_fr_nir
from stdnum.gb import nhs as std_gb_nhs
from stdnum.il import idnr as std_il_idnr
from stdnum.in_ import aadhaar as std_in_aadhaar
from stdnum.in_ import pan as std_in_pan
from stdnum.nl import bsn as std_nl_bsn
from stdnum.us import itin as std_us_itin
from stdnum.us import ssn as std_us_ssn
from stdnum.za import idnr as std_za_idnr

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261127
IDS_PER_TYPE = 66
LOOKALIKES_PER_TYPE = 32

# ----------------------------------------------------------------------------- check digits


def luhn_digit(digits):
    """The Luhn check digit to append to `digits`."""
    total = 0
    for i, d in enumerate(reversed(digits)):
        v = int(d)
        if i % 2 == 0:
            v *= 2
            if v > 9:
                v -= 9
        total += v
    return str((10 - total % 10) % 10)


def luhn_ok(digits):
    return len(digits) >= 2 and digits.isdigit() and luhn_digit(digits[:-1]) == digits[-1]


VERHOEFF_D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
VERHOEFF_P = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4]]
for _ in range(6):
    VERHOEFF_P.append([VERHOEFF_P[1][VERHOEFF_P[-1][d]] for d in range(10)])
VERHOEFF_INV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]


def verhoeff_digit(digits):
    c = 0
    for i, d in enumerate(reversed(digits)):
        c = VERHOEFF_D[c][VERHOEFF_P[(i + 1) % 8][int(d)]]
    return str(VERHOEFF_INV[c])


def verhoeff_ok(digits):
    c = 0
    for i, d in enumerate(reversed(digits)):
        c = VERHOEFF_D[c][VERHOEFF_P[i % 8][int(d)]]
    return c == 0


def iso7064_11_10(digits):
    product = 10
    for d in digits:
        s = (int(d) + product) % 10 or 10
        product = (s * 2) % 11
    return str((11 - product) % 10)


def mod97(s):
    n = "".join(str(int(c, 36)) for c in s)
    return int(n) % 97


# ----------------------------------------------------------------------------- our validators
# The same rules as src/guard/validators.h, for look-alikes of types stdnum has no module for and
# as a second opinion everywhere.


def v_us_ssn(s):
    s = re.sub(r"[ .-]", "", s)
    if not re.fullmatch(r"\d{9}", s):
        return False
    area, group, serial = int(s[:3]), int(s[3:5]), int(s[5:])
    if area in (0, 666) or area >= 900 or group == 0 or serial == 0:
        return False
    return s not in ("078051120", "219099999", "457555462", "123456789")


def v_us_itin(s):
    s = re.sub(r"[ .-]", "", s)
    if not re.fullmatch(r"9\d{8}", s):
        return False
    g = int(s[3:5])
    return 50 <= g <= 65 or 70 <= g <= 88 or 90 <= g <= 92 or g >= 94


def v_uk_nino(s):
    s = re.sub(r"[ -]", "", s).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{6}[A-D]", s):
        return False
    if s[0] in "DFIQUV" or s[1] in "DFIOQUV":
        return False
    return s[:2] not in ("BG", "GB", "NK", "KN", "TN", "NT", "ZZ")


def v_uk_nhs(s):
    s = re.sub(r"[ -]", "", s)
    if not re.fullmatch(r"\d{10}", s):
        return False
    c = 11 - sum(int(s[i]) * (10 - i) for i in range(9)) % 11
    c = 0 if c == 11 else c
    return c != 10 and c == int(s[9])


def v_de_tax(s):
    s = re.sub(r"[ ./-]", "", s)
    if not re.fullmatch(r"[1-9]\d{10}", s):
        return False
    counts = [s[:10].count(str(d)) for d in range(10)]
    rep = [d for d in range(10) if counts[d] > 1]
    if len(rep) != 1 or counts[rep[0]] > 3:
        return False
    if counts[rep[0]] == 3 and any(s[i] == s[i + 1] == s[i + 2] for i in range(8)):
        return False
    return iso7064_11_10(s[:10]) == s[10]


DE_CARD_ALPHABET = "0123456789CFGHJKLMNPRTVWXYZ"


def de_card_digit(nine):
    w = [7, 3, 1]
    total = 0
    for i, c in enumerate(nine):
        v = int(c) if c.isdigit() else ord(c) - ord("A") + 10
        total += v * w[i % 3]
    return str(total % 10)


def v_de_card(s):
    s = s.replace(" ", "").upper()
    if len(s) != 10 or not s[9].isdigit() or any(c not in DE_CARD_ALPHABET for c in s[:9]):
        return False
    return de_card_digit(s[:9]) == s[9]


def v_nl_bsn(s):
    s = re.sub(r"[ .-]", "", s)
    if not re.fullmatch(r"\d{9}", s) or int(s) == 0:
        return False
    return (sum(int(s[i]) * (9 - i) for i in range(8)) - int(s[8])) % 11 == 0


def v_fr_nir(s):
    s = re.sub(r"[ .-]", "", s).upper()
    if len(s) != 15 or not s[:5].isdigit() or not s[7:].isdigit():
        return False
    dep = s[5:7]
    dep = {"2A": "19", "2B": "18"}.get(dep, dep)
    if not dep.isdigit():
        return False
    return 97 - int(s[:5] + dep + s[7:13]) % 97 == int(s[13:])


def v_il_id(s):
    s = re.sub(r"[ -]", "", s)
    return bool(re.fullmatch(r"\d{9}", s)) and int(s) != 0 and luhn_ok(s)


def v_za_id(s):
    s = re.sub(r"[ -]", "", s)
    if not re.fullmatch(r"\d{13}", s):
        return False
    yy, mm, dd = int(s[:2]), int(s[2:4]), int(s[4:6])
    days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if not 1 <= mm <= 12 or dd < 1 or dd > days[mm - 1] or (mm == 2 and dd == 29 and yy % 4):
        return False
    return s[10] in "012" and luhn_ok(s)


def sg_letter(prefix, digits):
    w = [2, 7, 6, 5, 4, 3, 2]
    total = sum(int(d) * w[i] for i, d in enumerate(digits))
    total += {"S": 0, "T": 4, "F": 0, "G": 4, "M": 3}[prefix]
    table = {"S": "JZIHGFEDCBA", "T": "JZIHGFEDCBA", "F": "XWUTRQPNMLK", "G": "XWUTRQPNMLK",
             "M": "XWUTRQPNJLK"}[prefix]
    return table[total % 11]


def v_sg(s):
    s = s.upper()
    return bool(re.fullmatch(r"[STFGM]\d{7}[A-Z]", s)) and sg_letter(s[0], s[1:8]) == s[8]


def v_aadhaar(s):
    s = re.sub(r"[ -]", "", s)
    return (bool(re.fullmatch(r"[2-9]\d{11}", s)) and s[:6] != s[::-1][:6] and verhoeff_ok(s))


def v_pan(s):
    return bool(re.fullmatch(r"[A-Z]{3}[ABCFGHJLPT][A-Z]\d{4}[A-Z]", s)) and s[5:9] != "0000"


def v_au_tfn(s):
    s = re.sub(r"[ -]", "", s)
    w = [1, 4, 3, 7, 5, 8, 6, 9, 10]
    return len(s) in (8, 9) and s.isdigit() and sum(int(d) * w[i] for i, d in enumerate(s)) % 11 == 0


def v_au_medicare(s):
    s = re.sub(r"[ /-]", "", s)
    if not re.fullmatch(r"[2-6]\d{9,10}", s):
        return False
    w = [1, 3, 7, 9, 1, 3, 7, 9]
    return sum(int(s[i]) * w[i] for i in range(8)) % 10 == int(s[8])


def ean13_digit(twelve):
    return str((10 - sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(twelve)) % 10) % 10)


def v_ch_ahv(s):
    s = re.sub(r"[ .-]", "", s)
    return bool(re.fullmatch(r"756\d{10}", s)) and ean13_digit(s[:12]) == s[12]


CARD_RANGES = [(1, 4, 4, (13, 16, 19)), (2, 51, 55, (16,)), (4, 2221, 2720, (16,)), (2, 34, 34, (15,)),
               (2, 37, 37, (15,)), (4, 6011, 6011, (16, 17, 18, 19)), (3, 644, 649, (16, 17, 18, 19)),
               (2, 65, 65, (16, 17, 18, 19)), (4, 3528, 3589, (16, 17, 18, 19)),
               (2, 36, 36, tuple(range(14, 20))), (3, 300, 305, tuple(range(14, 20))),
               (2, 38, 39, tuple(range(14, 20))), (2, 62, 62, (16, 17, 18, 19))]


def v_card(s):
    s = re.sub(r"[ -]", "", s)
    if not re.fullmatch(r"\d{13,19}", s) or not luhn_ok(s):
        return False
    return any(lo <= int(s[:n]) <= hi and len(s) in lens for n, lo, hi, lens in CARD_RANGES)


IBAN_FORMATS = {"DE": "8n10n", "FR": "5n5n11c2n", "GB": "4a6n8n", "NL": "4a10n", "CH": "5n12c",
                "AT": "5n11n", "BE": "3n7n2n", "ES": "4n4n1n1n10n", "IT": "1a5n5n12c", "IE": "4a6n8n",
                "LU": "3n13c", "PL": "8n16n", "DK": "4n9n1n", "SE": "3n16n1n", "PT": "4n4n11n2n"}
IBAN_BANKS = {"GB": ["NWBK", "BARC", "HBUK", "LOYD", "MIDL"], "NL": ["ABNA", "INGB", "RABO", "TRIO"],
              "IE": ["AIBK", "BOFI"]}


def v_iban(s):
    s = re.sub(r"[ -]", "", s)
    return std_iban.is_valid(s)


# ----------------------------------------------------------------------------- generators


def digits(rng, n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def gen_us_ssn(rng):
    while True:
        area = rng.randint(1, 899)
        if area == 666:
            continue
        s = f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
        if v_us_ssn(s):
            return s


def gen_us_itin(rng):
    # 50-65 are valid too (IRS 2011), but python-stdnum does not know them yet.
    group = rng.choice(list(range(70, 89)) + [90, 91, 92] + list(range(94, 100)))
    return f"9{rng.randint(0, 99):02d}{group:02d}{rng.randint(0, 9999):04d}"


def gen_nino(rng):
    first = "ABCEGHJKLMNOPRSTWXYZ"
    second = "ABCEGHJKLMNPRSTWXYZ"
    while True:
        p = rng.choice(first) + rng.choice(second)
        if p not in ("BG", "GB", "NK", "KN", "TN", "NT", "ZZ"):
            return p + digits(rng, 6) + rng.choice("ABCD")


def gen_nhs(rng):
    while True:
        s = rng.choice("467") + digits(rng, 8)
        c = 11 - sum(int(s[i]) * (10 - i) for i in range(9)) % 11
        c = 0 if c == 11 else c
        if c != 10:
            return s + str(c)


def gen_de_tax(rng):
    while True:
        d = rng.sample("0123456789", 9)
        if d[0] == "0":
            continue
        rep = rng.choice(d)
        body = d + [rep]
        rng.shuffle(body)
        if body[0] == "0":
            continue
        s = "".join(body)
        s += iso7064_11_10(s)
        if v_de_tax(s):
            return s


def gen_de_card(rng):
    letters = "CFGHJKLMNPRTVWXYZ"
    body = rng.choice("LMNPRTVWXYZ") + "".join(rng.choice(DE_CARD_ALPHABET) for _ in range(8))
    if rng.random() < 0.3:
        body = digits(rng, 9)  # an older, all-digit card
    if rng.random() < 0.2:
        body = rng.choice(letters) + digits(rng, 8)
    return body + de_card_digit(body)


def gen_bsn(rng):
    while True:
        s = digits(rng, 8)
        total = sum(int(s[i]) * (9 - i) for i in range(8)) % 11
        if total < 10 and s[0] != "0":
            return s + str(total)


def gen_nir(rng):
    sex = rng.choice("12")
    yy = f"{rng.randint(40, 99) if rng.random() < .7 else rng.randint(0, 5):02d}"
    mm = f"{rng.randint(1, 12):02d}"
    dep = rng.choice(["75", "69", "13", "33", "59", "2A", "2B", "44", "67", "31", "92", "93", "06", "35"])
    commune = f"{rng.randint(1, 400):03d}"
    order = f"{rng.randint(1, 999):03d}"
    num = sex + yy + mm + {"2A": "19", "2B": "18"}.get(dep, dep) + commune + order
    key = 97 - int(num) % 97
    return sex + yy + mm + dep + commune + order + f"{key:02d}"


def gen_il(rng):
    s = digits(rng, 8)
    return s + luhn_digit(s)


def gen_za(rng):
    while True:
        yy, mm = rng.randint(40, 99) if rng.random() < .8 else rng.randint(0, 5), rng.randint(1, 12)
        dd = rng.randint(1, 28)
        s = f"{yy:02d}{mm:02d}{dd:02d}{rng.randint(0, 9999):04d}{rng.choice('01')}8"
        s += luhn_digit(s)
        if v_za_id(s):
            return s


def gen_sg(rng):
    p = rng.choice("STFGM")
    d = digits(rng, 7)
    return p + d + sg_letter(p, d)


def gen_aadhaar(rng):
    while True:
        s = rng.choice("23456789") + digits(rng, 10)
        s += verhoeff_digit(s)
        if v_aadhaar(s):
            return s


def gen_pan(rng):
    up = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return ("".join(rng.choice(up) for _ in range(3)) + rng.choice("PPPPCHFT") + rng.choice(up)
            + f"{rng.randint(1, 9999):04d}" + rng.choice(up))


def gen_tfn(rng):
    w = [1, 4, 3, 7, 5, 8, 6, 9, 10]
    while True:
        s = digits(rng, 8)
        total = sum(int(d) * w[i] for i, d in enumerate(s))
        last = (-total * pow(10, -1, 11)) % 11
        if last < 10:
            s += str(last)
            if v_au_tfn(s):
                return s


def gen_medicare(rng):
    w = [1, 3, 7, 9, 1, 3, 7, 9]
    s = rng.choice("23456") + digits(rng, 7)
    s += str(sum(int(s[i]) * w[i] for i in range(8)) % 10)
    s += str(rng.randint(1, 9))
    if rng.random() < 0.4:
        s += str(rng.randint(1, 5))
    return s


def gen_ahv(rng):
    s = "756" + digits(rng, 9)
    return s + ean13_digit(s)


def gen_card(rng):
    kind = rng.choice(["visa", "visa", "mc", "mc2", "amex", "discover", "jcb"])
    prefix, length = {"visa": ("4", 16), "mc": (str(rng.randint(51, 55)), 16),
                      "mc2": (str(rng.randint(2221, 2720)), 16), "amex": (rng.choice(["34", "37"]), 15),
                      "discover": ("6011", 16), "jcb": (str(rng.randint(3528, 3589)), 16)}[kind]
    s = prefix + digits(rng, length - len(prefix) - 1)
    return s + luhn_digit(s)


def gen_iban(rng):
    # Countries whose BBAN carries a national check (ES, BE, IT, PT, FR's RIB key) are made until
    # stdnum accepts them.
    for _ in range(2000):
        s = gen_iban_once(rng)
        if std_iban.is_valid(s):
            return s
    raise SystemExit("no valid IBAN")


def gen_iban_once(rng):
    cc = rng.choice(list(IBAN_FORMATS))
    bban = ""
    for count, cls in re.findall(r"(\d+)([nac])", IBAN_FORMATS[cc]):
        count = int(count)
        if cls == "a" and cc in IBAN_BANKS and count == 4:
            bban += rng.choice(IBAN_BANKS[cc])
        elif cls == "a":
            bban += "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(count))
        else:
            bban += digits(rng, count)
    check = 98 - mod97(bban + cc + "00")
    return f"{cc}{check:02d}{bban}"


def gen_dl(rng):
    style = rng.choice(["ca", "ny", "fl", "tx", "il", "pa", "wa2"])
    if style == "ca":
        return rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") + digits(rng, 7)
    if style == "ny":
        return digits(rng, 9)
    if style == "fl":
        s = rng.choice("ABCDEFGHJKLMNPRSTW") + digits(rng, 12)
        return f"{s[:4]}-{s[4:7]}-{s[7:9]}-{s[9:12]}-{s[12]}"
    if style == "tx":
        return digits(rng, 8)
    if style == "il":
        s = rng.choice("ABCDEFGHJKLMNPRSTW") + digits(rng, 11)
        return f"{s[:4]}-{s[4:8]}-{s[8:]}"
    if style == "pa":
        return digits(rng, 8)
    return rng.choice("ABCDEFGHJKLMNPRSTW") + digits(rng, 8)


def gen_us_passport(rng):
    return digits(rng, 9) if rng.random() < 0.5 else rng.choice("ACEFGHJKLMNPRSTUVWXYZ") + digits(rng, 8)


def gen_uk_passport(rng):
    if rng.random() < 0.7:
        return rng.choice("123456789") + digits(rng, 8)
    return "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2)) + digits(rng, 7)


# ----------------------------------------------------------------------------- writing styles


def group(s, sizes, sep):
    out, i = [], 0
    for n in sizes:
        if i >= len(s):
            break
        out.append(s[i:i + n])
        i += n
    if i < len(s):
        out.append(s[i:])
    return sep.join(out)


def style_ssn(rng, s):
    return rng.choice([group(s, [3, 2, 4], "-")] * 4 + [group(s, [3, 2, 4], " "), group(s, [3, 2, 4], "."), s])


def fmt_generic(sizes, seps, compact_weight=1):
    def f(rng, s):
        choices = [group(s, sizes, sep) for sep in seps] + [s] * compact_weight
        return rng.choice(choices)
    return f


TYPES = {
    # type: (generator, formatter, stdnum module or None, our validator, needs context)
    "US_SSN": (gen_us_ssn, style_ssn, std_us_ssn, v_us_ssn, False),
    "US_ITIN": (gen_us_itin, style_ssn, std_us_itin, v_us_itin, False),
    "US_DRIVER_LICENSE": (gen_dl, lambda rng, s: s, None, None, True),
    "US_PASSPORT": (gen_us_passport, lambda rng, s: s, None, None, True),
    "UK_NINO": (gen_nino, lambda rng, s: rng.choice([s, f"{s[:2]} {s[2:4]} {s[4:6]} {s[6:8]} {s[8]}",
                                                     f"{s[:2]}{s[2:8]} {s[8]}", s.lower()[:0] + s]),
                None, v_uk_nino, False),
    "UK_NHS": (gen_nhs, fmt_generic([3, 3, 4], [" ", " ", "-"]), std_gb_nhs, v_uk_nhs, False),
    "UK_PASSPORT": (gen_uk_passport, lambda rng, s: s, None, None, True),
    "DE_TAX_ID": (gen_de_tax, fmt_generic([2, 3, 3, 3], [" ", "/"], 3), std_de_idnr, v_de_tax, False),
    "DE_ID_CARD": (gen_de_card, lambda rng, s: s, None, v_de_card, True),
    "NL_BSN": (gen_bsn, fmt_generic([4, 2, 3], ["."], 2), std_nl_bsn, v_nl_bsn, True),
    "FR_NIR": (gen_nir, lambda rng, s: rng.choice([
        group(s, [1, 2, 2, 2, 3, 3, 2], " "), group(s, [1, 2, 2, 2, 3, 3, 2], " "), s,
        group(s, [13, 2], " "), group(s, [1, 2, 2, 2, 3, 3, 2], ".")]), std_fr_nir, v_fr_nir, False),
    "IL_ID": (gen_il, fmt_generic([9], [""]), std_il_idnr, v_il_id, True),
    "ZA_ID": (gen_za, fmt_generic([6, 4, 3], [" "], 3), std_za_idnr, v_za_id, False),
    "SG_NRIC_FIN": (gen_sg, lambda rng, s: s, None, v_sg, False),
    "IN_AADHAAR": (gen_aadhaar, fmt_generic([4, 4, 4], [" ", " ", "-"]), std_in_aadhaar, v_aadhaar, False),
    "IN_PAN": (gen_pan, lambda rng, s: s, std_in_pan, v_pan, False),
    "AU_TFN": (gen_tfn, fmt_generic([3, 3, 3], [" ", " "], 1), std_au_tfn, v_au_tfn, False),
    "AU_MEDICARE": (gen_medicare, lambda rng, s: rng.choice([group(s, [4, 5, 1, 1], " "), s]), None,
                    v_au_medicare, True),
    "CH_AHV": (gen_ahv, fmt_generic([3, 4, 4, 2], ["."], 1), std_ch_ssn, v_ch_ahv, False),
    "CREDIT_CARD": (gen_card, lambda rng, s: rng.choice(
        [group(s, [4, 6, 5] if len(s) == 15 else [4, 4, 4, 4], sep) for sep in (" ", " ", "-")] + [s]),
        std_luhn, v_card, False),
    "IBAN": (gen_iban, lambda rng, s: rng.choice([group(s, [4] * 8, " "), group(s, [4] * 8, " "), s]),
             std_iban, v_iban, False),
}

# Context words people write, per language (a subset of the lexicons' id_context, plus the
# spellings people really type).
CONTEXT = {
    "en": {
        "US_SSN": ["SSN", "social security number", "Social Security #", "SSN:", "social security no.", "SS#"],
        "US_ITIN": ["ITIN", "individual taxpayer identification number", "ITIN number", "taxpayer ID (ITIN)"],
        "US_DRIVER_LICENSE": ["driver's license", "driver’s license number", "drivers license #", "DL#", "DL number", "driving licence"],
        "US_PASSPORT": ["US passport number", "US passport", "U.S. passport no.", "American passport #", "US passport"],
        "UK_NINO": ["National Insurance number", "NI number", "NINO", "national insurance no."],
        "UK_NHS": ["NHS number", "NHS no.", "NHS #"],
        "UK_PASSPORT": ["UK passport number", "British passport", "UK passport no.", "British passport number"],
        "DE_TAX_ID": ["German tax ID", "Steuer-ID", "tax identification number", "tax ID"],
        "DE_ID_CARD": ["German ID card number", "Personalausweis number", "ID card number", "identity card no."],
        "NL_BSN": ["BSN", "burgerservicenummer", "citizen service number (BSN)", "BSN number"],
        "FR_NIR": ["French social security number", "NIR", "numéro de sécurité sociale", "INSEE number"],
        "IL_ID": ["Teudat Zehut", "Israeli ID number", "teudat zehut no.", "Israeli ID"],
        "ZA_ID": ["South African ID number", "SA ID", "ID number", "RSA ID no."],
        "SG_NRIC_FIN": ["NRIC", "FIN", "NRIC number", "NRIC/FIN"],
        "IN_AADHAAR": ["Aadhaar", "Aadhaar number", "Aadhar card no.", "UID"],
        "IN_PAN": ["PAN", "PAN card", "PAN number", "permanent account number"],
        "AU_TFN": ["TFN", "tax file number", "TFN:"],
        "AU_MEDICARE": ["Medicare number", "Medicare card", "Medicare card no.", "Medicare"],
        "CH_AHV": ["AHV number", "AHV", "Swiss social security number", "AVS number"],
        "CREDIT_CARD": ["credit card", "card number", "Visa", "Mastercard", "card no.", "debit card"],
        "IBAN": ["IBAN", "bank account", "IBAN:", "account (IBAN)"],
    },
    "de": {
        "US_SSN": ["Social Security Number", "SSN", "US-Sozialversicherungsnummer"],
        "US_ITIN": ["ITIN", "US-Steuernummer (ITIN)", "ITIN-Nummer"],
        "US_DRIVER_LICENSE": ["US-Führerschein", "Führerscheinnummer", "Driver's License", "Führerschein-Nr."],
        "US_PASSPORT": ["US-Reisepass", "US-Reisepassnummer", "amerikanischer Reisepass", "US-Pass"],
        "UK_NINO": ["National Insurance Number", "NI-Nummer", "britische Sozialversicherungsnummer"],
        "UK_NHS": ["NHS-Nummer", "NHS Number", "NHS-Nr."],
        "UK_PASSPORT": ["britischer Reisepass", "britische Reisepassnummer", "UK-Reisepass", "UK-Pass"],
        "DE_TAX_ID": ["Steuer-ID", "Steueridentifikationsnummer", "steuerliche Identifikationsnummer", "Steuer-Id", "IdNr."],
        "DE_ID_CARD": ["Personalausweis", "Personalausweisnummer", "Ausweisnummer", "Ausweis-Nr."],
        "NL_BSN": ["BSN", "Burgerservicenummer", "BSN-Nummer"],
        "FR_NIR": ["französische Sozialversicherungsnummer", "NIR", "INSEE-Nummer"],
        "IL_ID": ["Teudat Zehut", "israelische Ausweisnummer", "israelische ID"],
        "ZA_ID": ["südafrikanische ID", "südafrikanische Ausweisnummer", "SA-ID"],
        "SG_NRIC_FIN": ["NRIC", "FIN", "NRIC-Nummer"],
        "IN_AADHAAR": ["Aadhaar-Nummer", "Aadhaar", "Aadhaar-Karte"],
        "IN_PAN": ["PAN", "PAN-Nummer", "PAN-Karte"],
        "AU_TFN": ["Tax File Number", "TFN", "australische Steuernummer (TFN)"],
        "AU_MEDICARE": ["Medicare-Nummer", "Medicare-Karte", "Medicare"],
        "CH_AHV": ["AHV-Nummer", "AHV-Nr.", "AHV", "Sozialversicherungsnummer"],
        "CREDIT_CARD": ["Kreditkarte", "Kreditkartennummer", "Kartennummer", "Visa", "Mastercard"],
        "IBAN": ["IBAN", "Bankverbindung", "Kontonummer (IBAN)", "IBAN:"],
    },
    "fr": {
        "US_SSN": ["Social Security Number", "SSN", "numéro de sécurité sociale américain"],
        "US_ITIN": ["ITIN", "numéro fiscal américain (ITIN)", "numéro ITIN"],
        "US_DRIVER_LICENSE": ["permis de conduire américain", "numéro de permis", "Driver's License"],
        "US_PASSPORT": ["passeport américain", "numéro de passeport américain", "n° de passeport américain"],
        "UK_NINO": ["National Insurance Number", "numéro NI", "NINO"],
        "UK_NHS": ["numéro NHS", "NHS number", "n° NHS"],
        "UK_PASSPORT": ["passeport britannique", "numéro de passeport britannique", "n° de passeport britannique"],
        "DE_TAX_ID": ["Steuer-ID", "numéro fiscal allemand", "identifiant fiscal allemand"],
        "DE_ID_CARD": ["carte d'identité allemande", "numéro de carte d'identité", "Personalausweis"],
        "NL_BSN": ["BSN", "numéro BSN", "Burgerservicenummer"],
        "FR_NIR": ["numéro de sécurité sociale", "n° de sécu", "NIR", "numéro de sécu", "numéro INSEE"],
        "IL_ID": ["Teudat Zehut", "numéro d'identité israélien", "carte d'identité israélienne"],
        "ZA_ID": ["numéro d'identité sud-africain", "SA ID", "pièce d'identité sud-africaine"],
        "SG_NRIC_FIN": ["NRIC", "FIN", "numéro NRIC"],
        "IN_AADHAAR": ["numéro Aadhaar", "Aadhaar", "carte Aadhaar"],
        "IN_PAN": ["PAN", "numéro PAN", "carte PAN"],
        "AU_TFN": ["Tax File Number", "TFN", "numéro fiscal australien (TFN)"],
        "AU_MEDICARE": ["numéro Medicare", "carte Medicare", "Medicare"],
        "CH_AHV": ["numéro AVS", "n° AVS", "AVS", "numéro d'assuré AVS"],
        "CREDIT_CARD": ["carte bancaire", "numéro de carte", "carte Visa", "carte de crédit", "CB"],
        "IBAN": ["IBAN", "RIB", "coordonnées bancaires (IBAN)", "IBAN :"],
    },
}

# Sentences around an identifier: {ctx} is a context word, {id} the number. Those without {ctx}
# are used only for types that do not need a context word (docs/guard.md).
TEMPLATES = {
    "en": {
        "ctx": [
            "Hi, my {ctx} is {id}, can you check whether my data is in your archive?",
            "For the access request: {ctx} {id}.",
            "Please update my record, {ctx}: {id}",
            "I was asked for my {ctx} during onboarding, it's {id} if you need it.",
            "Name: Jane Miller, {ctx} {id}, date of birth 12 March 1984",
            "You can verify my identity with my {ctx} ({id}).",
            "Hello support team, here is the {ctx} you asked for: {id}. Thanks!",
            "My {ctx} {id} was entered by mistake in the quote request, please delete it.",
            "{ctx}: {id} / phone on file",
            "Could you confirm which data you hold on me? My {ctx} is {id} and my email is the one I'm writing from.",
            "The form wanted a {ctx}, so I typed {id} - hope that's OK.",
            "I'm attaching the scan, the {ctx} on it reads {id}.",
        ],
        "bare": [
            "Hi, please use {id} for my request.",
            "My number is {id}, in case you need it to find my account.",
            "Reference for my deletion request: {id}",
            "I think I entered {id} in the comment field by mistake, please remove it.",
            "Details as requested: {id}, Jane Miller, London.",
        ],
    },
    "de": {
        "ctx": [
            "Hallo, meine {ctx} lautet {id}, bitte prüfen Sie, ob Sie Daten zu mir speichern.",
            "Für die Auskunftsanfrage: {ctx} {id}.",
            "Bitte aktualisieren Sie meinen Datensatz, {ctx}: {id}",
            "Im Formular wurde nach meiner {ctx} gefragt, sie ist {id}.",
            "Name: Jana Müller, {ctx} {id}, geboren am 12.03.1984",
            "Zur Identifikation meine {ctx} ({id}).",
            "Sehr geehrte Damen und Herren, anbei die gewünschte {ctx}: {id}. Vielen Dank!",
            "Ich habe versehentlich meine {ctx} {id} in die Angebotsanfrage geschrieben, bitte löschen.",
            "{ctx}: {id}",
            "Können Sie bestätigen, welche Daten Sie über mich haben? {ctx}: {id}.",
            "Laut Scan ist die {ctx} {id}.",
            "Anbei wie besprochen: {ctx} {id}, Telefonnummer ist hinterlegt.",
        ],
        "bare": [
            "Hallo, bitte nutzen Sie {id} für meine Anfrage.",
            "Meine Nummer ist {id}, falls Sie mein Konto suchen.",
            "Referenz für meinen Löschantrag: {id}",
            "Ich habe {id} versehentlich ins Kommentarfeld eingetragen, bitte entfernen.",
        ],
    },
    "fr": {
        "ctx": [
            "Bonjour, mon {ctx} est le {id}, pouvez-vous vérifier si vous avez des données sur moi ?",
            "Pour ma demande d'accès : {ctx} {id}.",
            "Merci de mettre à jour ma fiche, {ctx} : {id}",
            "Le formulaire demandait mon {ctx}, c'est {id}.",
            "Nom : Julie Martin, {ctx} {id}, née le 12/03/1984",
            "Pour m'identifier, voici mon {ctx} ({id}).",
            "Madame, Monsieur, voici le {ctx} demandé : {id}. Merci !",
            "J'ai saisi par erreur mon {ctx} {id} dans la demande de devis, merci de le supprimer.",
            "{ctx} : {id}",
            "Pouvez-vous me confirmer les données que vous détenez ? {ctx} : {id}.",
            "Sur le scan, le {ctx} indiqué est {id}.",
            "Comme convenu, {ctx} {id}, mon téléphone est dans le dossier.",
        ],
        "bare": [
            "Bonjour, merci d'utiliser {id} pour ma demande.",
            "Mon numéro est {id}, si vous devez retrouver mon compte.",
            "Référence de ma demande de suppression : {id}",
            "J'ai mis {id} par erreur dans le champ commentaire, merci de l'effacer.",
        ],
    },
}

LANGS = ["en", "de", "fr"]

# Without a context word, a number is only recognisable in the shape its issuer prints it in
# (docs/guard.md): such sentences use that shape.
CANONICAL = {
    "US_SSN": lambda s: group(s, [3, 2, 4], "-"),
    "US_ITIN": lambda s: group(s, [3, 2, 4], "-"),
    "UK_NHS": lambda s: group(s, [3, 3, 4], " "),
    "DE_TAX_ID": lambda s: s,
    "FR_NIR": lambda s: group(s, [1, 2, 2, 2, 3, 3, 2], " "),
    "ZA_ID": lambda s: s,
    "IN_AADHAAR": lambda s: group(s, [4, 4, 4], " "),
    "AU_TFN": lambda s: group(s, [3, 3, 3], " "),
    "CH_AHV": lambda s: group(s, [3, 4, 4, 2], "."),
    "CREDIT_CARD": lambda s: group(s, [4, 6, 5] if len(s) == 15 else [4, 4, 4, 4], " "),
    "IBAN": lambda s: group(s, [4] * 8, " "),
}


def slug(t):
    return t.lower()


def check_valid(t, s):
    gen, fmt, std, ours, _ = TYPES[t]
    compact = re.sub(r"[ .\-/]", "", s)
    if std is not None and not std.is_valid(compact if std is not std_luhn else compact):
        raise SystemExit(f"stdnum refuses a generated {t}: {s}")
    if ours is not None and not ours(s):
        raise SystemExit(f"our check refuses a generated {t}: {s}")


def make_ids(rng):
    rows = []
    for t, (gen, fmt, std, ours, needs_ctx) in TYPES.items():
        n = 0
        for i in range(IDS_PER_TYPE):
            lang = LANGS[i % 3]
            raw = gen(rng)
            # Types that need context always get it; others get it in about two of three lines.
            use_ctx = needs_ctx or i % 3 != 2
            value = fmt(rng, raw) if use_ctx or t not in CANONICAL else CANONICAL[t](raw)
            check_valid(t, value)
            if use_ctx:
                tpl = rng.choice(TEMPLATES[lang]["ctx"])
                ctx = rng.choice(CONTEXT[lang][t])
                text = tpl.replace("{ctx}", ctx).replace("{id}", value)
            else:
                tpl = rng.choice(TEMPLATES[lang]["bare"])
                text = tpl.replace("{id}", value)
            expect = [{"type": t, "text": value}]
            # Some lines carry a second identifier, as real messages do.
            if i % 11 == 5 and t not in ("CREDIT_CARD", "IBAN"):
                extra_t = "IBAN"
                extra = TYPES[extra_t][1](rng, TYPES[extra_t][0](rng))
                check_valid(extra_t, extra)
                text += {"en": f" My IBAN is {extra}.", "de": f" Meine IBAN: {extra}.",
                         "fr": f" Mon IBAN : {extra}."}[lang]
                expect.append({"type": extra_t, "text": extra})
            n += 1
            rows.append({"id": f"{lang}-{slug(t)}-{n:04d}", "lang": lang, "kind": "id", "text": text,
                         "expect": expect})
    return rows


# ----------------------------------------------------------------------------- look-alikes


# Validators that count without a context word, each with the shape it needs then (the scanner
# asks for a context word for bare nine-digit numbers and the like: docs/guard.md).
SHAPELESS = [v_uk_nino, v_uk_nhs, v_de_tax, v_fr_nir, v_za_id, v_sg, v_aadhaar, v_pan,
             v_ch_ahv, v_card, v_iban]
SHAPED = [(v_us_ssn, r"\d{3}[ .-]\d{2}[ .-]\d{4}"), (v_us_itin, r"\d{3}[ .-]\d{2}[ .-]\d{4}"),
          (v_au_tfn, r"\d{3} \d{3} \d{3}"), (v_nl_bsn, r"\d{4}\.\d{2}\.\d{3}")]


def valid_anywhere(text):
    """A part of `text` that is a valid identifier the scanner would take without context."""
    for m in re.finditer(r"[A-Za-z0-9](?:[A-Za-z0-9]|[ .\-/](?=[A-Za-z0-9]))*", text):
        parts = m.group(0).split(" ")
        for i in range(len(parts)):
            for j in range(i + 1, len(parts) + 1):
                sub = " ".join(parts[i:j])
                for v in SHAPELESS:
                    try:
                        if v(sub):
                            return sub
                    except (ValueError, IndexError):
                        pass
                for v, shape in SHAPED:
                    if re.fullmatch(shape, sub) and v(sub):
                        return sub
                compact = re.sub(r"[ .\-/]", "", sub)
                for std in (std_de_idnr, std_fr_nir, std_za_idnr, std_in_pan, std_iban, std_ch_ssn):
                    if std.is_valid(compact):
                        return sub
    return None


def break_one_digit(rng, t, value):
    """`value` with one digit changed so that its check fails (stdnum and ours)."""
    gen, fmt, std, ours, _ = TYPES[t]
    positions = [i for i, c in enumerate(value) if c.isdigit()]
    for _ in range(200):
        i = rng.choice(positions)
        d = rng.choice([x for x in "0123456789" if x != value[i]])
        cand = value[:i] + d + value[i + 1:]
        compact = re.sub(r"[ .\-/]", "", cand)
        if ours is not None and ours(cand):
            continue
        if std is not None and std.is_valid(compact):
            continue
        return cand
    raise SystemExit(f"could not break {t} {value}")


LOOK_TEMPLATES = {
    "en": ["Hi, my customer number is {id}, could you check my subscription?",
           "Reference {id} - please send the invoice again.",
           "Our purchase order {id} is still open, any update?",
           "The ticket number is {id}.",
           "Please quote {id} when you reply."],
    "de": ["Hallo, meine Kundennummer ist {id}, können Sie mein Abo prüfen?",
           "Referenz {id} - bitte die Rechnung erneut senden.",
           "Unsere Bestellung {id} ist noch offen.",
           "Die Ticketnummer lautet {id}."],
    "fr": ["Bonjour, mon numéro client est {id}, pouvez-vous vérifier mon abonnement ?",
           "Référence {id} - merci de renvoyer la facture.",
           "Notre bon de commande {id} est toujours ouvert.",
           "Le numéro de ticket est {id}."],
}

# For types whose only evidence is a context word, a look-alike is the same shape in business
# text that has none.
NO_CONTEXT_LOOKALIKES = {"US_DRIVER_LICENSE", "US_PASSPORT", "UK_PASSPORT", "DE_ID_CARD", "NL_BSN",
                         "IL_ID", "AU_MEDICARE"}


def make_lookalikes(rng):
    rows = []
    for t, (gen, fmt, std, ours, needs_ctx) in TYPES.items():
        n = 0
        tries = 0
        while n < LOOKALIKES_PER_TYPE:
            tries += 1
            if tries > 5000:
                raise SystemExit(f"could not make look-alikes for {t}")
            lang = LANGS[n % 3]
            raw = gen(rng)
            if t in ("US_SSN",):
                # No check digit: the rules of issue are what fails.
                s = f"{raw[:3]}{raw[3:5]}{raw[5:]}"
                kind = n % 4
                if kind == 0:
                    s = "000" + s[3:]
                elif kind == 1:
                    s = "666" + s[3:]
                elif kind == 2:
                    s = s[:3] + "00" + s[5:]
                else:
                    s = s[:5] + "0000"
                value = group(s, [3, 2, 4], "-")
                if v_us_ssn(value) or std_us_ssn.is_valid(s) or v_us_itin(value):
                    continue
            elif t == "US_ITIN":
                bad_group = rng.choice([0, 10, 23, 35, 42, 49, 66, 67, 68, 69, 89, 93])
                s = f"9{rng.randint(0, 99):02d}{bad_group:02d}{rng.randint(1, 9999):04d}"
                value = group(s, [3, 2, 4], "-")
                if v_us_itin(value) or std_us_itin.is_valid(s):
                    continue
            elif t in NO_CONTEXT_LOOKALIKES and (n % 2 == 0 or ours is None):
                value = raw if t != "US_DRIVER_LICENSE" else re.sub(r"-", "", raw)
                if valid_anywhere(value):
                    continue
            elif t == "UK_NINO":
                # A prefix or suffix that is never issued.
                bad = rng.choice(["QQ", "DA", "FY", "BG", "GB", "NK", "ZZ", "TN", "OA"])
                value = bad + raw[2:8] + rng.choice("ABCD") if n % 2 == 0 else raw[:8] + rng.choice("EFGHXYZ")
                if v_uk_nino(value):
                    continue
                value = rng.choice([value, f"{value[:2]} {value[2:4]} {value[4:6]} {value[6:8]} {value[8]}"])
            elif t == "SG_NRIC_FIN":
                letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                value = raw[:8] + rng.choice([c for c in letters if c != raw[8]])
                if v_sg(value):
                    continue
            elif t == "IN_PAN":
                value = raw[:3] + rng.choice("DEIKMNOQRSUVWXYZ") + raw[4:]
                if v_pan(value) or std_in_pan.is_valid(value):
                    continue
            elif t == "IBAN":
                value = fmt(rng, break_one_digit(rng, t, raw))
            else:
                value = break_one_digit(rng, t, fmt(rng, raw))
            compact = re.sub(r"[ .\-/]", "", value)
            if std is not None and std.is_valid(compact) and t not in NO_CONTEXT_LOOKALIKES:
                continue
            if ours is not None and ours(value) and t not in NO_CONTEXT_LOOKALIKES:
                continue
            if t not in NO_CONTEXT_LOOKALIKES and valid_anywhere(value):
                continue  # broken for its own type, but valid as another (a 15-digit NIR, ...)
            if t in NO_CONTEXT_LOOKALIKES:
                text = rng.choice(LOOK_TEMPLATES[lang]).replace("{id}", value)
            else:
                # Broken numbers keep their context word: the check digit alone must refuse them.
                tpl = rng.choice(TEMPLATES[lang]["ctx"])
                text = tpl.replace("{ctx}", rng.choice(CONTEXT[lang][t])).replace("{id}", value)
            n += 1
            rows.append({"id": f"{lang}-{slug(t)}-look-{n:04d}", "lang": lang, "kind": "lookalike",
                         "text": text, "expect": []})
    rows += make_generic_lookalikes(rng)
    return rows


def make_generic_lookalikes(rng):
    """Numbers of business text that look like identifiers: none may be valid as any type."""
    makers = {
        "order": lambda: (f"Order #{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}-{rng.randint(10, 99)}",),
        "invoice": lambda: (f"INV-{rng.randint(2019, 2026)}-{rng.randint(1, 999999):06d}",),
        "tracking": lambda: (f"1Z{rng.randint(100, 999)}AA{rng.randint(10**9, 10**10 - 1)}",),
        "date": lambda: (f"{rng.randint(2019, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",),
        "price": lambda: (f"€{rng.randint(1, 99)},{rng.randint(100, 999)}.{rng.randint(0, 99):02d}",),
        "phone": lambda: (rng.choice([f"+44 20 {rng.randint(7000, 7999)} {rng.randint(1000, 9999)}",
                                      f"+49 30 {rng.randint(100000, 999999)}",
                                      f"+33 1 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                                      f"(555) {rng.randint(100, 999)}-{rng.randint(1000, 9999)}"]),),
        "version": lambda: (f"v{rng.randint(1, 12)}.{rng.randint(0, 30)}.{rng.randint(0, 200)}",),
        "timestamp": lambda: (f"{rng.randint(1600000000, 1800000000)}",),
        "serial": lambda: (f"SN-{rng.choice('ABCDEFGH')}{rng.randint(10000, 99999)}-{rng.randint(100, 999)}",),
        "card": lambda: (None,),
        "ticket": lambda: (f"#{rng.randint(100000, 999999)}",),
        "ip": lambda: (f"build {rng.randint(20190101, 20261231)}.{rng.randint(1, 9)}",),
    }
    texts = {
        "en": {
            "order": "Hi, order {x} arrived with a damaged box, can you send a replacement?",
            "invoice": "Invoice {x} shows the wrong VAT number, please correct it.",
            "tracking": "The tracking number {x} doesn't work on the carrier's site.",
            "date": "Can we move the onboarding call to {x}?",
            "price": "The quote says {x} per year for 250 mailboxes, is that with the discount?",
            "phone": "Please call me back on {x} after 2pm.",
            "version": "Since the update to {x} the archive search is slow.",
            "timestamp": "The log shows the bounce at {x}, see attached.",
            "serial": "Appliance serial {x} keeps rebooting.",
            "card": "We were charged twice, the card ending {x} was used.",
            "ticket": "Following up on ticket {x}, no answer yet.",
            "ip": "Our pipeline is on {x} and the connector fails.",
        },
        "de": {
            "order": "Hallo, die Bestellung {x} kam beschädigt an, bitte Ersatz schicken.",
            "invoice": "Auf Rechnung {x} steht die falsche USt-IdNr.",
            "tracking": "Die Sendungsnummer {x} funktioniert nicht.",
            "date": "Können wir den Termin auf den {x} verschieben?",
            "price": "Im Angebot stehen {x} pro Jahr für 250 Postfächer.",
            "phone": "Bitte rufen Sie mich unter {x} zurück.",
            "version": "Seit dem Update auf {x} ist die Suche langsam.",
            "timestamp": "Im Log steht der Bounce bei {x}.",
            "serial": "Die Appliance mit Seriennummer {x} startet ständig neu.",
            "card": "Wir wurden doppelt belastet, Karte mit Endziffern {x}.",
            "ticket": "Ich hake zu Ticket {x} nach.",
            "ip": "Unsere Pipeline läuft auf {x} und der Connector schlägt fehl.",
        },
        "fr": {
            "order": "Bonjour, la commande {x} est arrivée abîmée, pouvez-vous la remplacer ?",
            "invoice": "La facture {x} indique un mauvais numéro de TVA.",
            "tracking": "Le numéro de suivi {x} ne fonctionne pas.",
            "date": "Pouvons-nous déplacer l'appel au {x} ?",
            "price": "Le devis indique {x} par an pour 250 boîtes mail.",
            "phone": "Merci de me rappeler au {x}.",
            "version": "Depuis la mise à jour {x}, la recherche est lente.",
            "timestamp": "Le journal indique le rebond à {x}.",
            "serial": "L'appliance numéro de série {x} redémarre sans cesse.",
            "card": "Nous avons été débités deux fois, carte se terminant par {x}.",
            "ticket": "Je relance le ticket {x}.",
            "ip": "Notre chaîne est sur {x} et le connecteur échoue.",
        },
    }
    rows = []
    counters = {}
    for i in range(12 * 3 * 6):
        kind = list(makers)[i % len(makers)]
        lang = LANGS[(i // len(makers)) % 3]
        for _ in range(100):
            if kind == "card":
                # A 16-digit card-like number whose Luhn check fails.
                s = "4" + digits(rng, 15)
                if luhn_ok(s):
                    continue
                x = group(s, [4, 4, 4, 4], rng.choice([" ", "-"]))
                text = {"en": "Please charge card {x} instead of the old one, it failed yesterday.",
                        "de": "Bitte belasten Sie stattdessen die Karte {x}, gestern schlug es fehl.",
                        "fr": "Merci de débiter plutôt la carte {x}, le paiement a échoué hier."}[lang].replace("{x}", x)
            else:
                x = makers[kind]()[0]
                text = texts[lang][kind].replace("{x}", x)
            if valid_anywhere(x) is None:
                break
        else:
            raise SystemExit(f"no clean look-alike for {kind}")
        counters[(lang, kind)] = counters.get((lang, kind), 0) + 1
        rows.append({"id": f"{lang}-generic_{kind}-look-{counters[(lang, kind)]:04d}", "lang": lang,
                     "kind": "lookalike", "text": text, "expect": []})
    return rows


# ----------------------------------------------------------------------------- sentences

CATEGORIES = {"HEALTH", "ETHNIC", "POLITICAL", "RELIGION", "TRADE_UNION", "SEXUAL_ORIENTATION",
              "GENETIC", "BIOMETRIC"}


def read_sentences(name):
    """Lines of sentences/NAME.txt; '#' starts a comment line, blank lines are skipped."""
    path = os.path.join(HERE, "sentences", name)
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            if "\t" in line[:30] and name.startswith("special"):
                cat, text = line.split("\t", 1)
                if cat not in CATEGORIES:
                    raise SystemExit(f"{path}:{number}: unknown category {cat}")
                yield cat, text.strip()
            else:
                yield None, line.strip()


def make_sentences(kind):
    rows = []
    seen = set()
    for lang in LANGS:
        counters = {}
        for cat, text in read_sentences(f"{kind}_{lang}.txt"):
            if text in seen:
                raise SystemExit(f"duplicate sentence: {text}")
            seen.add(text)
            key = (cat or "clean").lower()
            counters[key] = counters.get(key, 0) + 1
            rows.append({"id": f"{lang}-{key}-{counters[key]:04d}", "lang": lang, "kind": kind,
                         "text": text, "expect": [{"type": cat}] if cat else []})
    return rows


def write(name, rows):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        for row in rows:
            assert "\n" not in row["text"]
            for e in row["expect"]:
                if "text" in e:
                    assert e["text"] in row["text"], (row["id"], e)
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{name}: {len(rows)} lines", file=sys.stderr)


def main():
    rng = random.Random(SEED)
    write("ids.jsonl", make_ids(rng))
    write("lookalikes.jsonl", make_lookalikes(rng))
    write("special.jsonl", make_sentences("special"))
    write("clean.jsonl", make_sentences("clean"))


if __name__ == "__main__":
    main()
