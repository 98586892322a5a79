#include "guard/validators.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace privacyd::guard {
namespace {

// Valid examples are public specimen numbers (the NHS test number 943 476 5919, the IBAN
// registry's examples, the card networks' test cards, the specimen identity card T22000129 3,
// the usual NRIC sample S1234567D) or numbers built by the algorithm from sequences like
// 1234567. US numbers have no check digit: their valid examples are constructed to show the
// rules, never taken from a person.

TEST(CheckDigits, Luhn) {
  EXPECT_TRUE(ValidLuhn("79927398713"));
  EXPECT_FALSE(ValidLuhn("79927398710"));
  EXPECT_FALSE(ValidLuhn("7"));
  EXPECT_FALSE(ValidLuhn("7992739871x"));
  EXPECT_FALSE(ValidLuhn(""));
}

TEST(CheckDigits, Verhoeff) {
  EXPECT_TRUE(ValidVerhoeff("2363"));
  EXPECT_FALSE(ValidVerhoeff("2364"));
  EXPECT_TRUE(ValidVerhoeff("234567890124"));
  EXPECT_FALSE(ValidVerhoeff("234567890125"));
  EXPECT_FALSE(ValidVerhoeff("23a3"));
  // Digits that meet the fifth permutation's entries for 6, 7 and 8 (a mistyped table passed
  // the short cases above).
  EXPECT_TRUE(ValidVerhoeff("368871377826"));
  EXPECT_FALSE(ValidVerhoeff("890779078297"));
}

TEST(CheckDigits, IsoMod11_10) {
  EXPECT_EQ(IsoMod11_10("8609574271"), 9);
  EXPECT_EQ(IsoMod11_10("3657426180"), 9);
  EXPECT_EQ(IsoMod11_10(""), -1);
  EXPECT_EQ(IsoMod11_10("12a"), -1);
}

TEST(CheckDigits, Mod97) {
  EXPECT_EQ(Mod97("370400440532013000DE89"), 1);
  EXPECT_EQ(Mod97("370400440532013000de89"), 1);
  EXPECT_EQ(Mod97("97"), 0);
  EXPECT_EQ(Mod97("98"), 1);
  EXPECT_EQ(Mod97(""), -1);
  EXPECT_EQ(Mod97("12-3"), -1);
}

TEST(Names, RoundTrip) {
  for (IdType type : kAllIdTypes) {
    EXPECT_EQ(IdTypeFromName(IdTypeName(type)), type) << IdTypeName(type);
  }
  EXPECT_EQ(IdTypeName(IdType::kSgNricFin), "SG_NRIC_FIN");
  EXPECT_EQ(IdTypeFromName("us_ssn"), std::nullopt);
  EXPECT_TRUE(Validate(IdType::kUkNhs, "943 476 5919"));
}

TEST(Separators, OnlyBetweenCharacters) {
  EXPECT_TRUE(ValidUkNhs("943 476 5919"));
  EXPECT_TRUE(ValidUkNhs("943-476-5919"));
  EXPECT_FALSE(ValidUkNhs(" 9434765919"));
  EXPECT_FALSE(ValidUkNhs("9434765919 "));
  EXPECT_FALSE(ValidUkNhs("943  476 5919"));
  EXPECT_FALSE(ValidUkNhs("943--4765919"));
  EXPECT_FALSE(ValidUkNhs("943_476_5919"));
  EXPECT_FALSE(ValidUkNhs("943.476.5919"));  // not a separator used for NHS numbers
  EXPECT_FALSE(ValidUkNhs(std::string("943\0004765919", 11)));
  EXPECT_FALSE(ValidUkNhs(""));
  EXPECT_FALSE(ValidIban(std::string(200, '1')));
}

TEST(UsSsn, Rules) {
  EXPECT_TRUE(ValidUsSsn("536-22-1234"));
  EXPECT_TRUE(ValidUsSsn("536 22 1234"));
  EXPECT_TRUE(ValidUsSsn("536221234"));
  EXPECT_TRUE(ValidUsSsn("899-01-0001"));
  EXPECT_FALSE(ValidUsSsn("000-22-1234"));
  EXPECT_FALSE(ValidUsSsn("666-22-1234"));
  EXPECT_FALSE(ValidUsSsn("900-22-1234"));
  EXPECT_FALSE(ValidUsSsn("999-22-1234"));
  EXPECT_FALSE(ValidUsSsn("536-00-1234"));
  EXPECT_FALSE(ValidUsSsn("536-22-0000"));
  EXPECT_FALSE(ValidUsSsn("078-05-1120"));
  EXPECT_FALSE(ValidUsSsn("219-09-9999"));
  EXPECT_FALSE(ValidUsSsn("457-55-5462"));
  EXPECT_FALSE(ValidUsSsn("123-45-6789"));
  EXPECT_FALSE(ValidUsSsn("536-22-123"));
  EXPECT_FALSE(ValidUsSsn("536-22-12345"));
}

TEST(UsItin, GroupRanges) {
  EXPECT_TRUE(ValidUsItin("912-50-1234"));
  EXPECT_TRUE(ValidUsItin("912-65-1234"));
  EXPECT_TRUE(ValidUsItin("912-70-1234"));
  EXPECT_TRUE(ValidUsItin("912 88 1234"));
  EXPECT_TRUE(ValidUsItin("912-90-1234"));
  EXPECT_TRUE(ValidUsItin("912-92-1234"));
  EXPECT_TRUE(ValidUsItin("912941234"));
  EXPECT_TRUE(ValidUsItin("912-99-1234"));
  EXPECT_FALSE(ValidUsItin("912-49-1234"));
  EXPECT_FALSE(ValidUsItin("912-66-1234"));
  EXPECT_FALSE(ValidUsItin("912-69-1234"));
  EXPECT_FALSE(ValidUsItin("912-89-1234"));
  EXPECT_FALSE(ValidUsItin("912-93-1234"));
  EXPECT_FALSE(ValidUsItin("812-70-1234"));
}

TEST(UkNino, PrefixAndSuffix) {
  EXPECT_TRUE(ValidUkNino("AB123456C"));
  EXPECT_TRUE(ValidUkNino("AB 12 34 56 C"));
  EXPECT_TRUE(ValidUkNino("ab 12 34 56 d"));
  EXPECT_TRUE(ValidUkNino("AB-12-34-56-A"));
  EXPECT_FALSE(ValidUkNino("AB123456E"));
  EXPECT_FALSE(ValidUkNino("AB123456"));
  for (char first : std::string("DFIQUV")) {
    EXPECT_FALSE(ValidUkNino(std::string(1, first) + "A123456A")) << first;
  }
  for (char second : std::string("DFIOQUV")) {
    EXPECT_FALSE(ValidUkNino(std::string("A") + second + "123456A")) << second;
  }
  EXPECT_TRUE(ValidUkNino("OA123456A"));  // O is refused only in second place
  for (const char* prefix : {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}) {
    EXPECT_FALSE(ValidUkNino(std::string(prefix) + "123456A")) << prefix;
  }
  EXPECT_FALSE(ValidUkNino("A1123456A"));
}

TEST(UkNhs, Mod11) {
  EXPECT_TRUE(ValidUkNhs("9434765919"));
  EXPECT_FALSE(ValidUkNhs("9434765918"));
  EXPECT_FALSE(ValidUkNhs("9434765929"));
  // 000000001x: weighted sum 2, check 9; 000000006x: sum 12, which needs the never-issued
  // check 10, so no last digit makes it valid.
  EXPECT_TRUE(ValidUkNhs("0000000019"));
  for (char c = '0'; c <= '9'; ++c) EXPECT_FALSE(ValidUkNhs(std::string("000000006") + c));
}

TEST(DeTaxId, CheckDigitAndRepetition) {
  EXPECT_TRUE(ValidDeTaxId("86095742719"));
  EXPECT_TRUE(ValidDeTaxId("86 095 742 719"));
  EXPECT_TRUE(ValidDeTaxId("86/095/742/719"));
  EXPECT_TRUE(ValidDeTaxId("36574261809"));
  EXPECT_FALSE(ValidDeTaxId("86095742718"));
  EXPECT_FALSE(ValidDeTaxId("86095742729"));
  EXPECT_FALSE(ValidDeTaxId("06095742719"));
  EXPECT_TRUE(ValidDeTaxId("12234567899"));   // one digit twice, adjacent: allowed
  EXPECT_TRUE(ValidDeTaxId("12113456784"));   // one digit three times, not all adjacent
  EXPECT_FALSE(ValidDeTaxId("11123456786"));  // three times in a row: refused since 2016
  EXPECT_FALSE(ValidDeTaxId("12345678903"));  // all ten different
  std::string two_repeated = "1122345678";
  two_repeated += static_cast<char>('0' + IsoMod11_10(two_repeated));
  EXPECT_FALSE(ValidDeTaxId(two_repeated));
  std::string four_times = "1213141567";
  four_times += static_cast<char>('0' + IsoMod11_10(four_times));
  EXPECT_FALSE(ValidDeTaxId(four_times));
}

TEST(DeIdCard, Weights731) {
  EXPECT_TRUE(ValidDeIdCard("T220001293"));
  EXPECT_TRUE(ValidDeIdCard("L01X00T471"));
  EXPECT_TRUE(ValidDeIdCard("l01x00t471"));
  EXPECT_FALSE(ValidDeIdCard("T220001294"));
  EXPECT_FALSE(ValidDeIdCard("T220001283"));
  EXPECT_FALSE(ValidDeIdCard("A220001293"));  // A is not in the alphabet
  EXPECT_FALSE(ValidDeIdCard("T22000129"));
  EXPECT_FALSE(ValidDeIdCard("T22000129X"));
}

TEST(NlBsn, ElevenProof) {
  EXPECT_TRUE(ValidNlBsn("111222333"));
  EXPECT_TRUE(ValidNlBsn("123456782"));
  EXPECT_TRUE(ValidNlBsn("1234.56.782"));
  EXPECT_FALSE(ValidNlBsn("123456783"));
  EXPECT_FALSE(ValidNlBsn("123456772"));
  EXPECT_FALSE(ValidNlBsn("000000000"));
  EXPECT_FALSE(ValidNlBsn("12345678"));
}

TEST(FrNir, KeyAndCorsica) {
  EXPECT_TRUE(ValidFrNir("184127645108946"));
  EXPECT_TRUE(ValidFrNir("1 84 12 76 451 089 46"));
  EXPECT_FALSE(ValidFrNir("1 84 12 76 451 089 47"));
  EXPECT_FALSE(ValidFrNir("1 84 12 76 451 099 46"));
  EXPECT_TRUE(ValidFrNir("185022A12345682"));
  EXPECT_TRUE(ValidFrNir("1 85 02 2B 123 456 12"));
  EXPECT_FALSE(ValidFrNir("185022B12345682"));
  EXPECT_FALSE(ValidFrNir("185022C12345682"));
  EXPECT_FALSE(ValidFrNir("18502A212345682"));
}

TEST(IlId, Luhn) {
  EXPECT_TRUE(ValidIlId("123456782"));
  EXPECT_TRUE(ValidIlId("12345678-2"));
  EXPECT_TRUE(ValidIlId("000000018"));
  EXPECT_FALSE(ValidIlId("123456783"));
  EXPECT_FALSE(ValidIlId("000000000"));
  EXPECT_FALSE(ValidIlId("12345678"));
}

TEST(ZaId, DateCitizenshipLuhn) {
  EXPECT_TRUE(ValidZaId("8001015009087"));
  EXPECT_TRUE(ValidZaId("800101 5009 08 7"));
  EXPECT_FALSE(ValidZaId("8001015009088"));
  EXPECT_TRUE(ValidZaId("0002295009084"));   // 29 February 2000
  EXPECT_FALSE(ValidZaId("0102295009082"));  // 2001 has no 29 February
  std::string bad_month = "801301500908";
  for (char c = '0'; c <= '9'; ++c) EXPECT_FALSE(ValidZaId(bad_month + c));
  std::string resident = "800101500918";  // citizenship 1
  std::string refugee = "800101500928";   // citizenship 2
  std::string other = "800101500938";     // citizenship 3 does not exist
  int ok_resident = 0, ok_refugee = 0, ok_other = 0;
  for (char c = '0'; c <= '9'; ++c) {
    ok_resident += ValidZaId(resident + c);
    ok_refugee += ValidZaId(refugee + c);
    ok_other += ValidZaId(other + c);
  }
  EXPECT_EQ(ok_resident, 1);
  EXPECT_EQ(ok_refugee, 1);
  EXPECT_EQ(ok_other, 0);
}

TEST(SgNricFin, LetterTables) {
  EXPECT_TRUE(ValidSgNricFin("S1234567D"));
  EXPECT_TRUE(ValidSgNricFin("s1234567d"));
  EXPECT_TRUE(ValidSgNricFin("T1234567J"));
  EXPECT_TRUE(ValidSgNricFin("F1234567N"));
  EXPECT_TRUE(ValidSgNricFin("G1234567X"));
  EXPECT_TRUE(ValidSgNricFin("M1234567K"));
  EXPECT_FALSE(ValidSgNricFin("S1234567E"));
  EXPECT_FALSE(ValidSgNricFin("S1234577D"));
  EXPECT_FALSE(ValidSgNricFin("T1234567D"));
  EXPECT_FALSE(ValidSgNricFin("A1234567D"));
  EXPECT_FALSE(ValidSgNricFin("S123456D"));
}

TEST(InAadhaar, VerhoeffAndLeadingDigit) {
  EXPECT_TRUE(ValidInAadhaar("234567890124"));
  EXPECT_TRUE(ValidInAadhaar("2345 6789 0124"));
  EXPECT_FALSE(ValidInAadhaar("234567890125"));
  EXPECT_FALSE(ValidInAadhaar("234567890214"));
  EXPECT_FALSE(ValidInAadhaar("999999999999"));  // Verhoeff-valid but a palindrome
  std::string leading_one = "12345678901";
  int ok = 0;
  for (char c = '0'; c <= '9'; ++c) ok += ValidInAadhaar(leading_one + c);
  EXPECT_EQ(ok, 0);
}

TEST(InPan, HolderType) {
  EXPECT_TRUE(ValidInPan("ABCPE1234F"));
  EXPECT_TRUE(ValidInPan("abcpe1234f"));
  for (char holder : std::string("ABCFGHJLPT")) {
    EXPECT_TRUE(ValidInPan(std::string("ABC") + holder + "E1234F")) << holder;
  }
  EXPECT_FALSE(ValidInPan("ABCKE1234F"));
  EXPECT_FALSE(ValidInPan("ABCDE1234F"));
  EXPECT_FALSE(ValidInPan("ABCPE0000F"));
  EXPECT_FALSE(ValidInPan("ABCPE12345"));
  EXPECT_FALSE(ValidInPan("ABCP11234F"));
}

TEST(AuTfn, WeightedMod11) {
  EXPECT_TRUE(ValidAuTfn("123456782"));
  EXPECT_TRUE(ValidAuTfn("123 456 782"));
  EXPECT_TRUE(ValidAuTfn("876543210"));
  EXPECT_FALSE(ValidAuTfn("123456783"));
  EXPECT_FALSE(ValidAuTfn("1234567"));
}

TEST(AuMedicare, WeightedMod10) {
  EXPECT_TRUE(ValidAuMedicare("2123456701"));
  EXPECT_TRUE(ValidAuMedicare("2123 45670 1"));
  EXPECT_TRUE(ValidAuMedicare("2123 45670 1/1"));
  EXPECT_FALSE(ValidAuMedicare("2123456711"));
  EXPECT_FALSE(ValidAuMedicare("7123456701"));
  EXPECT_FALSE(ValidAuMedicare("212345670"));
}

TEST(ChAhv, Ean13) {
  EXPECT_TRUE(ValidChAhv("756.9217.0769.85"));
  EXPECT_TRUE(ValidChAhv("7569217076985"));
  EXPECT_TRUE(ValidChAhv("756.1234.5678.97"));
  EXPECT_FALSE(ValidChAhv("756.9217.0769.86"));
  EXPECT_FALSE(ValidChAhv("757.9217.0769.85"));
}

TEST(CreditCard, IssuersAndLuhn) {
  EXPECT_TRUE(ValidCreditCard("4111111111111111"));
  EXPECT_TRUE(ValidCreditCard("4111 1111 1111 1111"));
  EXPECT_TRUE(ValidCreditCard("4111-1111-1111-1111"));
  EXPECT_TRUE(ValidCreditCard("4222222222222"));        // Visa 13
  EXPECT_TRUE(ValidCreditCard("4111111111111111110"));  // Visa 19
  EXPECT_TRUE(ValidCreditCard("5555555555554444"));
  EXPECT_TRUE(ValidCreditCard("2223003122003222"));
  EXPECT_TRUE(ValidCreditCard("378282246310005"));
  EXPECT_TRUE(ValidCreditCard("6011111111111117"));
  EXPECT_TRUE(ValidCreditCard("3530111333300000"));
  EXPECT_TRUE(ValidCreditCard("30569309025904"));
  EXPECT_TRUE(ValidCreditCard("6200000000000005"));
  EXPECT_FALSE(ValidCreditCard("4111111111111112"));  // Luhn
  EXPECT_FALSE(ValidCreditCard("1111111111111117"));  // no issuer starts with 1
  EXPECT_FALSE(ValidCreditCard("37828224631000"));    // Amex is 15 digits
  EXPECT_FALSE(ValidCreditCard("411111111111111"));   // Visa has no 15-digit numbers
  EXPECT_FALSE(ValidCreditCard("4111 1111 1111 1111 "));
}

TEST(Iban, RegistryLengthAndMod97) {
  EXPECT_TRUE(ValidIban("DE89370400440532013000"));
  EXPECT_TRUE(ValidIban("DE89 3704 0044 0532 0130 00"));
  EXPECT_TRUE(ValidIban("de89 3704 0044 0532 0130 00"));
  EXPECT_TRUE(ValidIban("GB82WEST12345698765432"));
  EXPECT_TRUE(ValidIban("FR1420041010050500013M02606"));
  EXPECT_TRUE(ValidIban("NO9386011117947"));
  EXPECT_TRUE(ValidIban("CH9300762011623852957"));
  EXPECT_FALSE(ValidIban("DE89370400440532013001"));
  EXPECT_FALSE(ValidIban("DE88370400440532013000"));
  EXPECT_FALSE(ValidIban("DE8937040044053201300"));  // DE is 22 characters
  EXPECT_FALSE(ValidIban("XX89370400440532013000"));
  EXPECT_FALSE(ValidIban("GB82WEST1234569876543X"));  // BBAN structure: digits at the end
}

// Every check digit here catches any single wrong digit: changing one digit of a valid number to
// any other digit must make it invalid. (Not for US_SSN, US_ITIN, UK_NINO and IN_PAN, which have
// no check digit, nor for the Medicare issue and reference numbers after the check digit.)
TEST(LookAlikes, EverySingleDigitChangeIsRefused) {
  struct Specimen {
    IdType type;
    std::string number;
    size_t checked_length;
  };
  const Specimen specimens[] = {
      {IdType::kUkNhs, "9434765919", 10},
      {IdType::kDeTaxId, "86095742719", 11},
      {IdType::kDeIdCard, "T220001293", 10},
      {IdType::kNlBsn, "123456782", 9},
      {IdType::kFrNir, "184127645108946", 15},
      {IdType::kFrNir, "185022A12345682", 15},
      {IdType::kIlId, "123456782", 9},
      {IdType::kZaId, "8001015009087", 13},
      {IdType::kSgNricFin, "S1234567D", 9},
      {IdType::kSgNricFin, "M1234567K", 9},
      {IdType::kInAadhaar, "234567890124", 12},
      {IdType::kAuTfn, "876543210", 9},
      {IdType::kAuMedicare, "2123456701", 9},
      {IdType::kChAhv, "7569217076985", 13},
      {IdType::kCreditCard, "4111111111111111", 16},
      {IdType::kCreditCard, "378282246310005", 15},
      {IdType::kIban, "DE89370400440532013000", 22},
      {IdType::kIban, "GB82WEST12345698765432", 22},
  };
  for (const Specimen& specimen : specimens) {
    ASSERT_TRUE(Validate(specimen.type, specimen.number)) << specimen.number;
    for (size_t i = 0; i < specimen.checked_length; ++i) {
      if (specimen.number[i] < '0' || specimen.number[i] > '9') continue;
      for (char d = '0'; d <= '9'; ++d) {
        if (d == specimen.number[i]) continue;
        std::string look_alike = specimen.number;
        look_alike[i] = d;
        EXPECT_FALSE(Validate(specimen.type, look_alike))
            << IdTypeName(specimen.type) << " " << look_alike;
      }
    }
  }
}

// Validators see whatever span the scanner hands them: arbitrary bytes, any length.
TEST(Robustness, ArbitraryBytes) {
  uint64_t state = 42;
  auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<unsigned>(state >> 33);
  };
  constexpr char kBytes[] = "0123456789 -./ABCSTMGFKZabc\0\xff\t";
  const std::string alphabet(kBytes, sizeof(kBytes) - 1);
  for (int round = 0; round < 20000; ++round) {
    std::string candidate(next() % 40, '\0');
    for (char& c : candidate) c = alphabet[next() % alphabet.size()];
    for (IdType type : kAllIdTypes) Validate(type, candidate);
    ValidLuhn(candidate);
    ValidVerhoeff(candidate);
    IsoMod11_10(candidate);
    Mod97(candidate);
  }
  const std::string huge(1 << 20, '1');
  for (IdType type : kAllIdTypes) EXPECT_FALSE(Validate(type, huge)) << IdTypeName(type);
}

}  // namespace
}  // namespace privacyd::guard
