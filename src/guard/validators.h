// Identifier validators of the sensitive-data guard: format rules and check digits of government
// identifiers, payment cards and bank accounts.
//
// Each validator takes a candidate as it appears in text, with the separators people type
// (listed per function), and says whether it is a valid identifier of that type. Separators may
// only stand between two characters of the identifier, one at a time ("123-45-6789", not
// "123--45" or "-123"); letters are accepted in either case. Anything else in the candidate
// (other characters, leading or trailing blanks) makes it invalid: the scanner hands over the
// exact span it matched.
//
// All functions are pure, thread-safe, allocation-free, and safe on any input (arbitrary bytes,
// any length). They never log the candidate.
#pragma once

#include <optional>
#include <string_view>

namespace privacyd::guard {

// The identifier types; their names (IdTypeName) are part of the guard's interface.
enum class IdType {
  kUsSsn,
  kUsItin,
  kUkNino,
  kUkNhs,
  kDeTaxId,
  kDeIdCard,
  kNlBsn,
  kFrNir,
  kIlId,
  kZaId,
  kSgNricFin,
  kInAadhaar,
  kInPan,
  kAuTfn,
  kAuMedicare,
  kChAhv,
  kCreditCard,
  kIban,
};

inline constexpr IdType kAllIdTypes[] = {
    IdType::kUsSsn,     IdType::kUsItin,     IdType::kUkNino, IdType::kUkNhs, IdType::kDeTaxId,
    IdType::kDeIdCard,  IdType::kNlBsn,      IdType::kFrNir,  IdType::kIlId,  IdType::kZaId,
    IdType::kSgNricFin, IdType::kInAadhaar,  IdType::kInPan,  IdType::kAuTfn, IdType::kAuMedicare,
    IdType::kChAhv,     IdType::kCreditCard, IdType::kIban,
};

// "US_SSN", "US_ITIN", ... as listed in the guard's interface.
std::string_view IdTypeName(IdType type);
// The type named `name` (exact, upper case), or nullopt.
std::optional<IdType> IdTypeFromName(std::string_view name);

// Dispatches to the validator of `type`.
bool Validate(IdType type, std::string_view candidate);

// --- Check-digit algorithms. Inputs are compact (no separators); any other character than the
// ones stated makes the result false (or -1).

// Luhn (ISO/IEC 7812-1 annex B): `digits` (at least 2, all 0-9) has a valid final check digit.
bool ValidLuhn(std::string_view digits);
// Verhoeff (dihedral group D5, Verhoeff 1969): `digits` (at least 2, all 0-9) has a valid final
// check digit.
bool ValidVerhoeff(std::string_view digits);
// ISO 7064 MOD 11,10 (hybrid system): the check digit (0-9) to append to `digits` (all 0-9,
// at least 1), or -1 on other input.
int IsoMod11_10(std::string_view digits);
// ISO 7064 MOD 97-10 remainder of `alnum` read as a number in which each letter stands for two
// digits (A or a = 10 ... Z or z = 35), as in ISO 13616 (IBAN): 0-96, or -1 if `alnum` is empty
// or holds another character.
int Mod97(std::string_view alnum);

// --- Validators. Separators accepted are listed in brackets.

// US Social Security Number [space - .]: 9 digits; area not 000, 666 or 900-999, group not 00,
// serial not 0000 (SSA, "Social Security Number Randomization", 2011); not a publicly known
// invalid number: 078-05-1120 (Woolworth wallet card), 219-09-9999 (SSA advertisement),
// 457-55-5462 (published in advertising), 123-45-6789 (the usual sample).
bool ValidUsSsn(std::string_view candidate);
// US Individual Taxpayer Identification Number [space - .]: 9xx-GG-xxxx with group 50-65, 70-88,
// 90-92 or 94-99 (IRS Publication 1915 and its 2011 range extension).
bool ValidUsItin(std::string_view candidate);
// UK National Insurance number [space -]: two prefix letters, six digits, suffix A-D (HMRC
// National Insurance Manual NIM39110): first letter not D, F, I, Q, U, V; second not D, F, I, O,
// Q, U, V; the prefixes BG, GB, NK, KN, TN, NT and ZZ are not allocated.
bool ValidUkNino(std::string_view candidate);
// NHS number (England, Wales, Isle of Man) [space -]: 10 digits, weights 10..2 on the first nine,
// check = 11 - (sum mod 11), 11 becoming 0 and 10 never issued (NHS Data Dictionary, "NHS
// NUMBER").
bool ValidUkNhs(std::string_view candidate);
// German tax identification number, Steuerliche Identifikationsnummer [space - . /]: 11 digits,
// first not 0, last the ISO 7064 MOD 11,10 check digit of the first ten (section 139b AO and the
// BZSt specification). Of the first ten digits exactly one appears twice or three times and all
// others at most once; a digit appearing three times may not fill three adjacent positions (rule
// since 2016).
bool ValidDeTaxId(std::string_view candidate);
// German identity card (Personalausweis) document number [space]: 9 characters from
// 0-9 C F G H J K L M N P R T V W X Y Z, then a check digit: weights 7, 3, 1 repeated, letters
// as 10-35, sum mod 10 (ICAO Doc 9303 part 3, as used by the Personalausweisverordnung). Pure
// digits (cards issued before November 2010) are accepted, so on their own these are weak: the
// scanner asks for context.
bool ValidDeIdCard(std::string_view candidate);
// Dutch citizen service number, Burgerservicenummer [space - .]: 9 digits, not all zero, passing
// the "11-proef": weights 9..2 on the first eight and -1 on the last, sum mod 11 == 0 (Wet
// algemene bepalingen burgerservicenummer; Logius BSN specification).
bool ValidNlBsn(std::string_view candidate);
// French social security number, NIR [space - .]: 13 characters (digits, with 2A or 2B for a
// Corsican department in positions 6-7) and a 2-digit key = 97 - (number mod 97), computing with
// 2A as 19 and 2B as 18 (INSEE, "numéro d'inscription au répertoire").
bool ValidFrNir(std::string_view candidate);
// Israeli identity number, Teudat Zehut [space -]: 9 digits, not all zero, Luhn check (weights
// 1, 2 alternating, digits of products summed) (Israel Population Authority).
bool ValidIlId(std::string_view candidate);
// South African identity number [space -]: 13 digits YYMMDD SSSS C A Z: a real calendar date
// (29 February when YY is divisible by 4, 2000 being a leap year), citizenship C 0 (citizen),
// 1 (permanent resident) or 2 (refugee), Luhn check (Identification Act 68 of 1997; Department
// of Home Affairs).
bool ValidZaId(std::string_view candidate);
// Singapore NRIC / FIN [none]: prefix S, T, F, G or M, 7 digits and a check letter: weights
// 2 7 6 5 4 3 2, plus 4 for T and G and 3 for M, sum mod 11 indexes JZIHGFEDCBA (S, T),
// XWUTRQPNMLK (F, G) or XWUTRQPNJLK (M) (ICA; the M series since 2022).
bool ValidSgNricFin(std::string_view candidate);
// Indian Aadhaar number [space -]: 12 digits, first 2-9, not a palindrome, Verhoeff check digit
// (UIDAI, "Aadhaar numbering scheme").
bool ValidInAadhaar(std::string_view candidate);
// Indian Permanent Account Number [none]: AAAAA9999A; the 4th letter is the holder type, one of
// A B C F G H J L P T (Income Tax Department); the serial digits are not 0000.
bool ValidInPan(std::string_view candidate);
// Australian Tax File Number [space -]: 9 digits with weights 1 4 3 7 5 8 6 9 10, or 8 digits
// (older numbers) with the first eight weights, sum mod 11 == 0 (ATO algorithm as published in
// the ATO's software developer specifications).
bool ValidAuTfn(std::string_view candidate);
// Australian Medicare card number [space - /]: 10 digits (card number and issue number) or 11
// (plus the individual reference number); first digit 2-6; weights 1 3 7 9 1 3 7 9 on the first
// eight, sum mod 10 equals the ninth (Services Australia, Medicare card number check digit).
bool ValidAuMedicare(std::string_view candidate);
// Swiss social security number, AHV/AVS number [space - .]: 756 and 10 digits, the last being an
// EAN-13 check digit (weights 1, 3 alternating, GS1 General Specifications) (ZAS/CdC).
bool ValidChAhv(std::string_view candidate);
// Payment card number [space -]: Luhn check and an issuer range with its lengths (ISO/IEC 7812,
// issuers' published BIN ranges): Visa 4 (13, 16, 19), Mastercard 51-55 and 2221-2720 (16),
// American Express 34, 37 (15), Discover 6011, 644-649, 65 (16-19), JCB 3528-3589 (16-19),
// Diners Club 36, 300-305, 38-39 (14-19), UnionPay 62 (16-19).
bool ValidCreditCard(std::string_view candidate);
// International Bank Account Number [space -]: a country of the SWIFT IBAN registry, that
// country's length and BBAN structure (digits, letters, alphanumerics by position), and
// mod 97 == 1 after moving the first four characters to the end (ISO 13616-1).
bool ValidIban(std::string_view candidate);

}  // namespace privacyd::guard
