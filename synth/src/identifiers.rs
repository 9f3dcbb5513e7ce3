//! Valid identifiers: every value made here passes the checksum and format rules the matcher
//! enforces, so a miss in the benchmark is the key recipe's, never the generator's.
//!
//! IBANs carry correct mod-97 check digits, the right length per country and, where the
//! country has one, a correct national check (French RIB key, Spanish DC, Italian CIN,
//! Belgian mod 97, Polish bank-code digit); LEIs carry ISO 17442 mod-97 digits; containers
//! the ISO 6346 check digit; IMO numbers their check digit; Bitcoin addresses are real
//! base58check or bech32 encodings; phone numbers follow real numbering plans.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

const DIGITS: &[u8] = b"0123456789";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Fills a pattern: `#` a digit, `A` an upper-case letter, `X` a digit or letter, `%` a
/// digit other than 0; anything else is copied.
pub(crate) fn fill(pattern: &str, rng: &mut ChaCha8Rng) -> String {
    pattern
        .chars()
        .map(|c| match c {
            '#' => pick(DIGITS, rng),
            'A' => pick(UPPER, rng),
            'X' => pick(ALNUM, rng),
            '%' => pick(&DIGITS[1..], rng),
            other => other,
        })
        .collect()
}

fn pick(set: &[u8], rng: &mut ChaCha8Rng) -> char {
    char::from(set[rng.random_range(0..set.len())])
}

/// The value of an alphanumeric character in mod-97 schemes (IBAN, LEI): digits as
/// themselves, `A` = 10 ... `Z` = 35.
fn alnum_value(c: char) -> u32 {
    match c {
        '0'..='9' => c as u32 - '0' as u32,
        'A'..='Z' => c as u32 - 'A' as u32 + 10,
        _ => 0,
    }
}

/// `s` (digits and upper-case letters) as a number, modulo 97, letters expanded to two
/// digits.
pub(crate) fn mod97(s: &str) -> u32 {
    s.chars().fold(0, |acc, c| {
        let v = alnum_value(c);
        if v >= 10 {
            (acc * 100 + v) % 97
        } else {
            (acc * 10 + v) % 97
        }
    })
}

/// IBAN countries the generator uses, with the BBAN pattern. The lengths are those of the
/// IBAN registry (DE 22, GB 22, FR 27, NL 18, ES 24, IT 27, BE 16, PL 28, ...).
const IBAN_COUNTRIES: &[(&str, &str)] = &[
    ("DE", "##################"),
    ("GB", "BANK##############"),
    ("FR", "#######################"),
    ("NL", "BANK##########"),
    ("ES", "####################"),
    ("IT", "_######################"),
    ("BE", "############"),
    ("PL", "########################"),
    ("AT", "################"),
    ("LU", "###XXXXXXXXXXXXX"),
    ("CH", "#####XXXXXXXXXXXX"),
    ("IE", "BANK##############"),
    ("GR", "#######XXXXXXXXXXXXXXXX"),
    ("TR", "#####0XXXXXXXXXXXXXXXX"),
    ("AE", "###################"),
    ("PT", "#####################"),
    ("CY", "########XXXXXXXXXXXXXXXX"),
];

/// Real bank codes for the countries whose BBAN starts with letters.
fn bank_letters(country: &str) -> &'static [&'static str] {
    match country {
        "GB" => &[
            "NWBK", "BARC", "LOYD", "HBUK", "MIDL", "NAIA", "RBOS", "SRLG",
        ],
        "NL" => &[
            "ABNA", "INGB", "RABO", "TRIO", "SNSB", "KNAB", "BUNQ", "ASNB",
        ],
        "IE" => &["AIBK", "BOFI", "IPBS", "ULSB"],
        _ => &["BANK"],
    }
}

/// A valid IBAN of `country` in electronic form (no spaces). Countries without an entry
/// fall back to DE.
pub(crate) fn iban(country: &str, rng: &mut ChaCha8Rng) -> String {
    let (country, pattern) = IBAN_COUNTRIES
        .iter()
        .find(|(c, _)| *c == country)
        .copied()
        .unwrap_or(IBAN_COUNTRIES[0]);
    let mut bban = if let Some(rest) = pattern.strip_prefix("BANK") {
        let banks = bank_letters(country);
        let bank = banks[rng.random_range(0..banks.len())];
        format!("{bank}{}", fill(rest, rng))
    } else {
        fill(pattern, rng)
    };

    match country {
        "FR" => {
            // Bank (5), branch (5), account (11 digits here), RIB key (2).
            let base = &bban[..21];
            let key = rib_key(base);
            bban = format!("{base}{key:02}");
        }
        "ES" => bban = spanish_bban(&bban),
        "IT" => {
            let rest = &bban[1..];
            bban = format!("{}{rest}", italian_cin(rest));
        }
        "BE" => {
            let base = &bban[..10];
            let check = match base.parse::<u64>().map(|n| n % 97) {
                Ok(0) => 97,
                Ok(r) => r,
                Err(_) => 97,
            };
            bban = format!("{base}{check:02}");
        }
        "PL" => bban = polish_bban(&bban),
        _ => {}
    }
    let check = 98 - mod97(&format!("{bban}{country}00"));
    format!("{country}{check:02}{bban}")
}

/// Any IBAN country, weighted towards the large EU banking markets.
pub(crate) fn iban_country(rng: &mut ChaCha8Rng) -> &'static str {
    const WEIGHTED: &[&str] = &[
        "DE", "DE", "DE", "GB", "GB", "FR", "FR", "NL", "NL", "ES", "IT", "BE", "PL", "AT", "LU",
        "CH", "IE", "GR", "CY", "PT",
    ];
    WEIGHTED[rng.random_range(0..WEIGHTED.len())]
}

/// French RIB key over bank, branch and account digits: `97 - (89 b + 15 g + 3 a) mod 97`.
fn rib_key(digits21: &str) -> u64 {
    let part = |r: std::ops::Range<usize>| digits21[r].parse::<u64>().unwrap_or(0);
    let (b, g, a) = (part(0..5), part(5..10), part(10..21));
    97 - (89 * b + 15 * g + 3 * a) % 97
}

/// Spanish BBAN with both DC digits: bank (4), branch (4), DC (2), account (10).
fn spanish_bban(bban: &str) -> String {
    const W: [u32; 10] = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6];
    let dc = |digits: &str| -> u32 {
        let sum: u32 = digits
            .chars()
            .zip(W)
            .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
            .sum();
        match 11 - sum % 11 {
            11 => 0,
            10 => 1,
            d => d,
        }
    };
    let bank_branch = &bban[..8];
    let account = &bban[10..20];
    let d1 = dc(&format!("00{bank_branch}"));
    let d2 = dc(account);
    format!("{bank_branch}{d1}{d2}{account}")
}

/// Italian CIN over ABI (5), CAB (5) and account (12).
fn italian_cin(rest22: &str) -> char {
    const ODD: [u32; 26] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24,
        23,
    ];
    let sum: u32 = rest22
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let idx = match c {
                '0'..='9' => c as usize - '0' as usize,
                'A'..='Z' => c as usize - 'A' as usize,
                _ => 0,
            };
            // Positions counted from 1: odd positions use the table.
            if i % 2 == 0 { ODD[idx] } else { idx as u32 }
        })
        .sum();
    char::from(b'A' + (sum % 26) as u8)
}

/// Polish BBAN whose eighth digit checks the bank and branch code (weights 3, 9, 7, 1).
fn polish_bban(bban: &str) -> String {
    const W: [u32; 7] = [3, 9, 7, 1, 3, 9, 7];
    let sum: u32 = bban[..7]
        .chars()
        .zip(W)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    let check = (10 - sum % 10) % 10;
    format!("{}{check}{}", &bban[..7], &bban[8..])
}

/// Writes an IBAN in the printed form, groups of four separated by spaces.
pub(crate) fn iban_printed(iban: &str) -> String {
    let chars: Vec<char> = iban.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A valid LEI (ISO 17442): a real LOU prefix, `00`, twelve characters, mod-97 digits.
pub(crate) fn lei(rng: &mut ChaCha8Rng) -> String {
    const LOUS: &[&str] = &[
        "5299", "5493", "3912", "9845", "2138", "8156", "7LTW", "815600", "529900", "894500",
    ];
    let lou = LOUS[rng.random_range(0..LOUS.len())];
    let body_len = 18 - lou.len();
    let mut base = lou.to_string();
    if lou.len() == 4 {
        base.push_str("00");
        base.push_str(&fill(&"X".repeat(body_len - 2), rng));
    } else {
        base.push_str(&fill(&"X".repeat(body_len), rng));
    }
    let check = 98 - mod97(&format!("{base}00"));
    format!("{base}{check:02}")
}

/// ISO 6346 value of an owner-code letter: A = 10, skipping multiples of 11.
fn iso6346_letter(c: char) -> u32 {
    let mut v = 10;
    let mut letter = 'A';
    while letter < c {
        v += 1;
        if v % 11 == 0 {
            v += 1;
        }
        letter = char::from(letter as u8 + 1);
    }
    v
}

/// The ISO 6346 check digit of the first ten characters (owner, category, serial).
pub(crate) fn iso6346_check(first10: &str) -> u32 {
    let sum: u32 = first10
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let v = match c {
                '0'..='9' => c as u32 - '0' as u32,
                _ => iso6346_letter(c),
            };
            v << i
        })
        .sum();
    sum % 11 % 10
}

/// A valid ISO 6346 container number, in electronic form (`CSQU3054383`).
pub(crate) fn container(rng: &mut ChaCha8Rng) -> String {
    const OWNERS: &[&str] = &[
        "MSC", "MAE", "CMA", "HLX", "COS", "EVR", "ONE", "TGH", "TCL", "CSQ", "TRL", "SEG", "FCI",
        "GES", "BMO",
    ];
    loop {
        let owner = OWNERS[rng.random_range(0..OWNERS.len())];
        let base = format!("{owner}U{}", fill("######", rng));
        let check = iso6346_check(&base);
        // A remainder of 10 makes check digit 0, which the standard discourages: redraw.
        if first10_remainder(&base) == 10 {
            continue;
        }
        return format!("{base}{check}");
    }
}

fn first10_remainder(first10: &str) -> u32 {
    let sum: u32 = first10
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let v = match c {
                '0'..='9' => c as u32 - '0' as u32,
                _ => iso6346_letter(c),
            };
            v << i
        })
        .sum();
    sum % 11
}

/// The IMO check digit of six digits.
pub(crate) fn imo_check(six: &str) -> u32 {
    six.chars()
        .zip((2..=7).rev())
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum::<u32>()
        % 10
}

/// A valid IMO ship number, digits only.
pub(crate) fn imo(rng: &mut ChaCha8Rng) -> String {
    let six = format!(
        "{}{}",
        ["9", "9", "8", "7"][rng.random_range(0..4)],
        fill("#####", rng)
    );
    format!("{six}{}", imo_check(&six))
}

/// A valid Bitcoin address: P2PKH or P2SH (base58check) or segwit v0 (bech32).
pub(crate) fn bitcoin(rng: &mut ChaCha8Rng) -> String {
    let kind = rng.random_range(0..10);
    if kind < 5 {
        let mut program = [0u8; 20];
        rng.fill(&mut program[..]);
        if let Ok(a) = bech32::segwit::encode_v0(bech32::hrp::BC, &program) {
            return a;
        }
    } else if kind < 6 {
        let mut program = [0u8; 32];
        rng.fill(&mut program[..]);
        if let Ok(a) = bech32::segwit::encode_v0(bech32::hrp::BC, &program) {
            return a;
        }
    }
    let version = if kind < 9 { 0x00 } else { 0x05 };
    let mut payload = vec![version];
    let mut hash = [0u8; 20];
    rng.fill(&mut hash[..]);
    payload.extend_from_slice(&hash);
    bs58::encode(payload).with_check().into_string()
}

/// A valid Ethereum address, all lower-case (`0x` and 40 hex digits).
pub(crate) fn ethereum(rng: &mut ChaCha8Rng) -> String {
    let mut bytes = [0u8; 20];
    rng.fill(&mut bytes[..]);
    let mut s = String::with_capacity(42);
    s.push_str("0x");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Phone numbering plans by country: patterns of valid numbers in international format.
/// Mobile ranges first (they dominate in reports), then a capital's fixed line.
const PHONE_PLANS: &[(&str, &[&str])] = &[
    (
        "DE",
        &["+49 151 1#######", "+49 170 #######", "+49 30 1#######"],
    ),
    ("AT", &["+43 664 #######", "+43 1 5######"]),
    ("CH", &["+41 79 ### ## ##", "+41 44 2## ## ##"]),
    (
        "GB",
        &["+44 7400 ######", "+44 7500 ######", "+44 20 7### ####"],
    ),
    ("IE", &["+353 87 ### ####", "+353 1 ### ####"]),
    (
        "US",
        &[
            "+1 212 6## ####",
            "+1 415 8## ####",
            "+1 646 2## ####",
            "+1 305 5## ####",
            "+1 713 4## ####",
        ],
    ),
    (
        "FR",
        &[
            "+33 6 1# ## ## ##",
            "+33 6 6# ## ## ##",
            "+33 7 5# ## ## ##",
            "+33 1 4# ## ## ##",
        ],
    ),
    ("BE", &["+32 47# ## ## ##", "+32 2 5## ## ##"]),
    ("NL", &["+31 6 1#######", "+31 20 5## ####"]),
    ("ES", &["+34 6## ### ###", "+34 91 5## ## ##"]),
    ("MX", &["+52 55 #### ####"]),
    ("CO", &["+57 31# ### ####"]),
    ("AR", &["+54 9 11 4### ####", "+54 9 11 5### ####"]),
    (
        "IT",
        &["+39 33# ### ####", "+39 34# ### ####", "+39 06 4### ####"],
    ),
    (
        "PL",
        &["+48 50# ### ###", "+48 60# ### ###", "+48 22 5## ## ##"],
    ),
    (
        "RU",
        &["+7 91# ### ## ##", "+7 92# ### ## ##", "+7 495 1## ## ##"],
    ),
    ("UA", &["+380 50 ### ## ##", "+380 67 ### ## ##"]),
    (
        "GR",
        &["+30 694 ### ####", "+30 697 ### ####", "+30 210 ### ####"],
    ),
    ("CY", &["+357 99 ######"]),
    ("EG", &["+20 10 #### ####", "+20 12 #### ####"]),
    ("MA", &["+212 66# ######", "+212 61# ######"]),
    ("AE", &["+971 50 ### ####", "+971 55 ### ####"]),
    ("SA", &["+966 50 ### ####", "+966 55 ### ####"]),
    (
        "TR",
        &[
            "+90 53# ### ## ##",
            "+90 54# ### ## ##",
            "+90 212 5## ## ##",
        ],
    ),
    (
        "CN",
        &["+86 139 #### ####", "+86 138 #### ####", "+86 10 6### ####"],
    ),
    ("HK", &["+852 61## ####"]),
    ("VN", &["+84 91 ### ## ##", "+84 98 ### ## ##"]),
    (
        "NG",
        &[
            "+234 803 ### ####",
            "+234 806 ### ####",
            "+234 813 ### ####",
        ],
    ),
];

/// A valid phone number of `country` in international written form, or of a random
/// supported country when `country` has no plan here.
pub(crate) fn phone(country: &str, rng: &mut ChaCha8Rng) -> String {
    let plans = PHONE_PLANS
        .iter()
        .find(|(c, _)| *c == country)
        .map(|(_, p)| *p)
        .unwrap_or_else(|| PHONE_PLANS[rng.random_range(0..PHONE_PLANS.len())].1);
    fill(plans[rng.random_range(0..plans.len())], rng)
}

/// A passport number in the issuing country's format.
pub(crate) fn passport(country: &str, rng: &mut ChaCha8Rng) -> String {
    let pattern = match country {
        "DE" => "CXXXXXXXX",
        "GB" | "IE" => "%########",
        "FR" => "##AA#####",
        "ES" => "AAA######",
        "IT" => "AA#######",
        "PL" => "AA#######",
        "RU" => "7#########",
        "UA" => "AA######",
        "GR" => "AA#######",
        "TR" => "U########",
        "CN" => "E########",
        "VN" => "C#######",
        "NG" => "A########",
        "US" => "5########",
        _ => "XX#######",
    };
    fill(pattern, rng)
}

/// A national identity card number (for documents other than passports).
pub(crate) fn national_id(country: &str, rng: &mut ChaCha8Rng) -> String {
    let pattern = match country {
        "DE" => "LXXXXXXXX",
        "FR" => "############",
        "ES" => "########A",
        "IT" => "CA#####AA",
        "PL" => "AAA######",
        "BE" => "###-#######-##",
        "NL" => "AAXXXXXX#",
        _ => "XX########",
    };
    fill(pattern, rng)
}

/// A company-register number in the country's usual written form.
pub(crate) fn registration(country: &str, rng: &mut ChaCha8Rng) -> String {
    let pattern = match country {
        // `A` is a fill marker, so the HRA prefix is written outside the pattern.
        "DE" if rng.random_bool(0.2) => return format!("HRA {}", fill("%####", rng)),
        "DE" => ["HRB %#####", "HRB %####"][rng.random_range(0..2)],
        "GB" => "########",
        "FR" => "%## ### ###",
        "ES" => "A########",
        "IT" => "MI-#######",
        "NL" => "%#######",
        "PL" => "0000######",
        "RU" => "%#############",
        "TR" => "######",
        "CN" => "91##############XX",
        "NG" => "RC %######",
        "AE" => "CN-#######",
        "CY" => "HE %#####",
        _ => "%########",
    };
    fill(pattern, rng)
}

/// A VAT number with its country prefix.
pub(crate) fn vat(country: &str, rng: &mut ChaCha8Rng) -> String {
    let pattern = match country {
        "DE" => "DE%########",
        "GB" => "GB%########",
        "FR" => "FRXX%########",
        "ES" => "ESA########",
        "IT" => "IT###########",
        "NL" => "NL#########B##",
        "PL" => "PL##########",
        "BE" => "BE0#########",
        "AT" => "ATU########",
        _ => return fill("%#########", rng),
    };
    fill(pattern, rng)
}

/// An aircraft registration mark of a random common register.
pub(crate) fn aircraft(rng: &mut ChaCha8Rng) -> String {
    let pattern = [
        "D-AAAA", "G-AAAA", "F-AAAA", "N%##AA", "N%###", "EI-AAA", "OE-AAA", "HB-AAA",
    ][rng.random_range(0..8)];
    fill(pattern, rng)
}

/// Folds a name to the letters an e-mail local part uses: ASCII, lower case, no spaces.
pub(crate) fn email_local(name: &str) -> String {
    crate::corrupt::strip_diacritics(name)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .flat_map(|c| c.to_lowercase())
        .collect()
}

/// An e-mail address built from a person's given and family names. A random number makes
/// two different people with the same name unlikely to share an address, as providers
/// ensure in reality.
pub(crate) fn person_email(given: &str, family: &str, rng: &mut ChaCha8Rng) -> String {
    const DOMAINS: &[&str] = &[
        "gmail.com",
        "outlook.com",
        "yahoo.com",
        "hotmail.com",
        "gmx.de",
        "web.de",
        "orange.fr",
        "libero.it",
        "wp.pl",
        "mail.ru",
        "yandex.ru",
        "protonmail.com",
        "icloud.com",
        "qq.com",
    ];
    let g = email_local(given);
    let f = email_local(family);
    let domain = DOMAINS[rng.random_range(0..DOMAINS.len())];
    let n = rng.random_range(1..10_000);
    let local = match rng.random_range(0..4) {
        0 if !g.is_empty() => format!("{g}.{f}{n}"),
        1 if !g.is_empty() => format!("{}{f}{n}", &g[..1]),
        2 => format!("{f}.{n}"),
        _ => format!("{g}{f}_{n}"),
    };
    let local = if local
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .is_empty()
    {
        format!("user{n}")
    } else {
        local
    };
    format!("{local}@{domain}")
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn known_check_digits() {
        assert_eq!(mod97("370400440532013000DE89"), 1);
        assert_eq!(iso6346_check("CSQU305438"), 3);
        assert_eq!(imo_check("907472"), 9);
        // LEI of the GLEIF Foundation.
        assert_eq!(mod97("506700GE1G29325QX363"), 1);
        // French IBAN from the registry example.
        assert_eq!(rib_key("300060000112345678901"), 89);
    }

    #[test]
    fn ibans_have_registry_lengths_and_valid_checks() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let lengths = [
            ("DE", 22),
            ("GB", 22),
            ("FR", 27),
            ("NL", 18),
            ("ES", 24),
            ("IT", 27),
            ("BE", 16),
            ("PL", 28),
            ("AT", 20),
            ("LU", 20),
            ("CH", 21),
            ("IE", 22),
            ("GR", 27),
            ("TR", 26),
            ("AE", 23),
            ("PT", 25),
            ("CY", 28),
        ];
        for (country, len) in lengths {
            for _ in 0..50 {
                let iban = iban(country, &mut rng);
                assert_eq!(iban.len(), len, "{iban}");
                let rearranged = format!("{}{}", &iban[4..], &iban[..4]);
                assert_eq!(mod97(&rearranged), 1, "{iban}");
                let parsed: iban::Iban = iban.parse().unwrap_or_else(|e| panic!("{iban}: {e:?}"));
                assert_eq!(iban::IbanLike::electronic_str(&parsed), iban);
            }
        }
    }

    #[test]
    fn national_checks() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        for _ in 0..100 {
            let be = iban("BE", &mut rng);
            let base: u64 = be[4..14].parse().expect("digits");
            let check: u64 = be[14..16].parse().expect("digits");
            assert_eq!(if base % 97 == 0 { 97 } else { base % 97 }, check, "{be}");
            let fr = iban("FR", &mut rng);
            assert_eq!(
                rib_key(&fr[4..25]),
                fr[25..27].parse::<u64>().expect("digits")
            );
        }
    }

    #[test]
    fn leis_containers_imos_validate() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for _ in 0..500 {
            let l = lei(&mut rng);
            assert_eq!(l.len(), 20, "{l}");
            assert_eq!(mod97(&l), 1, "{l}");
            let c = container(&mut rng);
            assert_eq!(c.len(), 11);
            assert_eq!(
                iso6346_check(&c[..10]),
                c[10..].parse::<u32>().expect("digit")
            );
            let i = imo(&mut rng);
            assert_eq!(i.len(), 7);
            assert_eq!(imo_check(&i[..6]), i[6..].parse::<u32>().expect("digit"));
        }
    }

    #[test]
    fn wallets_decode() {
        let mut rng = ChaCha8Rng::seed_from_u64(10);
        for _ in 0..200 {
            let a = bitcoin(&mut rng);
            if a.starts_with("bc1") {
                let (hrp, version, program) = bech32::segwit::decode(&a).expect("bech32");
                assert_eq!(hrp, bech32::hrp::BC);
                assert_eq!(version, bech32::segwit::VERSION_0);
                assert!(program.len() == 20 || program.len() == 32);
            } else {
                let bytes = bs58::decode(&a)
                    .with_check(None)
                    .into_vec()
                    .expect("base58check");
                assert_eq!(bytes.len(), 21);
                assert!(a.starts_with('1') || a.starts_with('3'), "{a}");
            }
            let e = ethereum(&mut rng);
            assert_eq!(e.len(), 42);
            assert!(
                e[2..]
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            );
        }
    }

    #[test]
    fn phones_are_valid_e164_numbers() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut bad = Vec::new();
        for (country, plans) in PHONE_PLANS {
            for plan in *plans {
                for _ in 0..300 {
                    let n = fill(plan, &mut rng);
                    let parsed = phonenumber::parse(None, &n)
                        .unwrap_or_else(|e| panic!("{country} {n}: {e:?}"));
                    if !phonenumber::is_valid(&parsed) {
                        bad.push(format!("{country}: {plan}: {n}"));
                    }
                }
            }
        }
        assert!(bad.is_empty(), "{} invalid: {bad:#?}", bad.len());
    }

    #[test]
    fn emails_are_plain_ascii() {
        let mut rng = ChaCha8Rng::seed_from_u64(12);
        for (g, f) in [("Jürgen", "Müller"), ("", "O'Brien"), ("Łukasz", "Wróbel")] {
            let e = person_email(g, f, &mut rng);
            assert!(
                e.is_ascii() && e.contains('@') && !e.starts_with('@'),
                "{e}"
            );
        }
    }
}
