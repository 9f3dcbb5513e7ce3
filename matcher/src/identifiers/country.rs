//! ISO 3166-1 country codes.
//!
//! The table is written out here rather than taken from a crate: it is part of the protocol
//! (a country code feeds match keys), so it must change only when docs/PROTOCOL.md does, not
//! when a dependency is updated.

use super::{InvalidIdentifier, check_raw_len};

const WHAT: &str = "country code";

/// Every officially assigned ISO 3166-1 code as (alpha-2, alpha-3), sorted by alpha-2, plus
/// `XK`/`XKX` for Kosovo, which the EU, SWIFT and most FIUs use although ISO has not assigned it.
const COUNTRIES: &[(&str, &str)] = &[
    ("AD", "AND"),
    ("AE", "ARE"),
    ("AF", "AFG"),
    ("AG", "ATG"),
    ("AI", "AIA"),
    ("AL", "ALB"),
    ("AM", "ARM"),
    ("AO", "AGO"),
    ("AQ", "ATA"),
    ("AR", "ARG"),
    ("AS", "ASM"),
    ("AT", "AUT"),
    ("AU", "AUS"),
    ("AW", "ABW"),
    ("AX", "ALA"),
    ("AZ", "AZE"),
    ("BA", "BIH"),
    ("BB", "BRB"),
    ("BD", "BGD"),
    ("BE", "BEL"),
    ("BF", "BFA"),
    ("BG", "BGR"),
    ("BH", "BHR"),
    ("BI", "BDI"),
    ("BJ", "BEN"),
    ("BL", "BLM"),
    ("BM", "BMU"),
    ("BN", "BRN"),
    ("BO", "BOL"),
    ("BQ", "BES"),
    ("BR", "BRA"),
    ("BS", "BHS"),
    ("BT", "BTN"),
    ("BV", "BVT"),
    ("BW", "BWA"),
    ("BY", "BLR"),
    ("BZ", "BLZ"),
    ("CA", "CAN"),
    ("CC", "CCK"),
    ("CD", "COD"),
    ("CF", "CAF"),
    ("CG", "COG"),
    ("CH", "CHE"),
    ("CI", "CIV"),
    ("CK", "COK"),
    ("CL", "CHL"),
    ("CM", "CMR"),
    ("CN", "CHN"),
    ("CO", "COL"),
    ("CR", "CRI"),
    ("CU", "CUB"),
    ("CV", "CPV"),
    ("CW", "CUW"),
    ("CX", "CXR"),
    ("CY", "CYP"),
    ("CZ", "CZE"),
    ("DE", "DEU"),
    ("DJ", "DJI"),
    ("DK", "DNK"),
    ("DM", "DMA"),
    ("DO", "DOM"),
    ("DZ", "DZA"),
    ("EC", "ECU"),
    ("EE", "EST"),
    ("EG", "EGY"),
    ("EH", "ESH"),
    ("ER", "ERI"),
    ("ES", "ESP"),
    ("ET", "ETH"),
    ("FI", "FIN"),
    ("FJ", "FJI"),
    ("FK", "FLK"),
    ("FM", "FSM"),
    ("FO", "FRO"),
    ("FR", "FRA"),
    ("GA", "GAB"),
    ("GB", "GBR"),
    ("GD", "GRD"),
    ("GE", "GEO"),
    ("GF", "GUF"),
    ("GG", "GGY"),
    ("GH", "GHA"),
    ("GI", "GIB"),
    ("GL", "GRL"),
    ("GM", "GMB"),
    ("GN", "GIN"),
    ("GP", "GLP"),
    ("GQ", "GNQ"),
    ("GR", "GRC"),
    ("GS", "SGS"),
    ("GT", "GTM"),
    ("GU", "GUM"),
    ("GW", "GNB"),
    ("GY", "GUY"),
    ("HK", "HKG"),
    ("HM", "HMD"),
    ("HN", "HND"),
    ("HR", "HRV"),
    ("HT", "HTI"),
    ("HU", "HUN"),
    ("ID", "IDN"),
    ("IE", "IRL"),
    ("IL", "ISR"),
    ("IM", "IMN"),
    ("IN", "IND"),
    ("IO", "IOT"),
    ("IQ", "IRQ"),
    ("IR", "IRN"),
    ("IS", "ISL"),
    ("IT", "ITA"),
    ("JE", "JEY"),
    ("JM", "JAM"),
    ("JO", "JOR"),
    ("JP", "JPN"),
    ("KE", "KEN"),
    ("KG", "KGZ"),
    ("KH", "KHM"),
    ("KI", "KIR"),
    ("KM", "COM"),
    ("KN", "KNA"),
    ("KP", "PRK"),
    ("KR", "KOR"),
    ("KW", "KWT"),
    ("KY", "CYM"),
    ("KZ", "KAZ"),
    ("LA", "LAO"),
    ("LB", "LBN"),
    ("LC", "LCA"),
    ("LI", "LIE"),
    ("LK", "LKA"),
    ("LR", "LBR"),
    ("LS", "LSO"),
    ("LT", "LTU"),
    ("LU", "LUX"),
    ("LV", "LVA"),
    ("LY", "LBY"),
    ("MA", "MAR"),
    ("MC", "MCO"),
    ("MD", "MDA"),
    ("ME", "MNE"),
    ("MF", "MAF"),
    ("MG", "MDG"),
    ("MH", "MHL"),
    ("MK", "MKD"),
    ("ML", "MLI"),
    ("MM", "MMR"),
    ("MN", "MNG"),
    ("MO", "MAC"),
    ("MP", "MNP"),
    ("MQ", "MTQ"),
    ("MR", "MRT"),
    ("MS", "MSR"),
    ("MT", "MLT"),
    ("MU", "MUS"),
    ("MV", "MDV"),
    ("MW", "MWI"),
    ("MX", "MEX"),
    ("MY", "MYS"),
    ("MZ", "MOZ"),
    ("NA", "NAM"),
    ("NC", "NCL"),
    ("NE", "NER"),
    ("NF", "NFK"),
    ("NG", "NGA"),
    ("NI", "NIC"),
    ("NL", "NLD"),
    ("NO", "NOR"),
    ("NP", "NPL"),
    ("NR", "NRU"),
    ("NU", "NIU"),
    ("NZ", "NZL"),
    ("OM", "OMN"),
    ("PA", "PAN"),
    ("PE", "PER"),
    ("PF", "PYF"),
    ("PG", "PNG"),
    ("PH", "PHL"),
    ("PK", "PAK"),
    ("PL", "POL"),
    ("PM", "SPM"),
    ("PN", "PCN"),
    ("PR", "PRI"),
    ("PS", "PSE"),
    ("PT", "PRT"),
    ("PW", "PLW"),
    ("PY", "PRY"),
    ("QA", "QAT"),
    ("RE", "REU"),
    ("RO", "ROU"),
    ("RS", "SRB"),
    ("RU", "RUS"),
    ("RW", "RWA"),
    ("SA", "SAU"),
    ("SB", "SLB"),
    ("SC", "SYC"),
    ("SD", "SDN"),
    ("SE", "SWE"),
    ("SG", "SGP"),
    ("SH", "SHN"),
    ("SI", "SVN"),
    ("SJ", "SJM"),
    ("SK", "SVK"),
    ("SL", "SLE"),
    ("SM", "SMR"),
    ("SN", "SEN"),
    ("SO", "SOM"),
    ("SR", "SUR"),
    ("SS", "SSD"),
    ("ST", "STP"),
    ("SV", "SLV"),
    ("SX", "SXM"),
    ("SY", "SYR"),
    ("SZ", "SWZ"),
    ("TC", "TCA"),
    ("TD", "TCD"),
    ("TF", "ATF"),
    ("TG", "TGO"),
    ("TH", "THA"),
    ("TJ", "TJK"),
    ("TK", "TKL"),
    ("TL", "TLS"),
    ("TM", "TKM"),
    ("TN", "TUN"),
    ("TO", "TON"),
    ("TR", "TUR"),
    ("TT", "TTO"),
    ("TV", "TUV"),
    ("TW", "TWN"),
    ("TZ", "TZA"),
    ("UA", "UKR"),
    ("UG", "UGA"),
    ("UM", "UMI"),
    ("US", "USA"),
    ("UY", "URY"),
    ("UZ", "UZB"),
    ("VA", "VAT"),
    ("VC", "VCT"),
    ("VE", "VEN"),
    ("VG", "VGB"),
    ("VI", "VIR"),
    ("VN", "VNM"),
    ("VU", "VUT"),
    ("WF", "WLF"),
    ("WS", "WSM"),
    ("XK", "XKX"),
    ("YE", "YEM"),
    ("YT", "MYT"),
    ("ZA", "ZAF"),
    ("ZM", "ZMB"),
    ("ZW", "ZWE"),
];

/// A country, by ISO 3166-1 code.
///
/// Invariant: always a row of the built-in table (officially assigned codes plus Kosovo), so
/// two spellings of one country (`de`, `DEU`) can never become two different keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country {
    alpha2: &'static str,
    alpha3: &'static str,
}

impl Country {
    /// The canonical form: the alpha-2 code (`DE`), the one that goes into match keys.
    pub fn as_str(&self) -> &'static str {
        self.alpha2
    }

    /// The alpha-3 code (`DEU`), for display and for formats (goAML) that use it.
    pub fn alpha3(&self) -> &'static str {
        self.alpha3
    }

    /// Looks up an exact uppercase alpha-2 code, without aliases: for identifiers (BIC, IBAN)
    /// whose country part must be the ISO code itself.
    pub(crate) fn from_alpha2_exact(code: &str) -> Option<Country> {
        COUNTRIES
            .binary_search_by(|(a2, _)| (*a2).cmp(code))
            .ok()
            .map(|i| {
                let (alpha2, alpha3) = COUNTRIES[i];
                Country { alpha2, alpha3 }
            })
    }
}

/// Every alpha-2 code in the table, for tests that walk all countries.
#[cfg(test)]
pub(crate) fn all_alpha2() -> impl Iterator<Item = &'static str> {
    COUNTRIES.iter().map(|(a2, _)| *a2)
}

/// Validates an ISO 3166-1 alpha-2 or alpha-3 code, in any case, surrounded by any white
/// space. `UK` is taken as `GB`, since British sources write it so often. The canonical form is
/// alpha-2, so that `DEU` and `de` make the same key.
pub fn country(raw: &str) -> Result<Country, InvalidIdentifier> {
    check_raw_len(raw, WHAT)?;
    let code = raw.trim().to_ascii_uppercase();
    if code.is_empty() {
        return Err(InvalidIdentifier::Empty);
    }
    if let Some(position) = code.chars().position(|c| !c.is_ascii_alphabetic()) {
        return Err(InvalidIdentifier::BadCharacter {
            what: WHAT,
            position: position + 1,
        });
    }
    let found = match code.len() {
        2 if code == "UK" => Country::from_alpha2_exact("GB"),
        2 => Country::from_alpha2_exact(&code),
        3 => COUNTRIES
            .iter()
            .find(|(_, a3)| *a3 == code)
            .map(|&(alpha2, alpha3)| Country { alpha2, alpha3 }),
        found => {
            return Err(InvalidIdentifier::WrongLength {
                what: WHAT,
                expected: "2 or 3".to_owned(),
                found,
            });
        }
    };
    found.ok_or(InvalidIdentifier::UnknownCountry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_complete() {
        assert!(COUNTRIES.windows(2).all(|w| w[0].0 < w[1].0));
        let mut a3: Vec<&str> = COUNTRIES.iter().map(|c| c.1).collect();
        a3.sort_unstable();
        a3.dedup();
        assert_eq!(a3.len(), COUNTRIES.len());
        // 249 officially assigned codes plus Kosovo.
        assert_eq!(COUNTRIES.len(), 250);
        assert!(
            COUNTRIES
                .iter()
                .all(|(a2, a3)| a2.len() == 2 && a3.len() == 3)
        );
    }

    #[test]
    fn alpha2_and_alpha3_in_any_case() {
        for raw in ["DE", "de", " De ", "DEU", "deu"] {
            let c = country(raw).unwrap();
            assert_eq!(c.as_str(), "DE");
            assert_eq!(c.alpha3(), "DEU");
        }
        assert_eq!(country("xk").unwrap().alpha3(), "XKX");
        assert_eq!(country("XKX").unwrap().as_str(), "XK");
    }

    #[test]
    fn uk_is_gb() {
        assert_eq!(country("uk").unwrap().as_str(), "GB");
        assert_eq!(country("GBR").unwrap().as_str(), "GB");
        // Only the alpha-2 alias: BIC and IBAN country parts stay exact.
        assert_eq!(Country::from_alpha2_exact("UK"), None);
    }

    #[test]
    fn refusals() {
        assert_eq!(country("  "), Err(InvalidIdentifier::Empty));
        assert_eq!(country("ZZ"), Err(InvalidIdentifier::UnknownCountry));
        assert_eq!(country("ZZZ"), Err(InvalidIdentifier::UnknownCountry));
        assert_eq!(
            country("D1"),
            Err(InvalidIdentifier::BadCharacter {
                what: WHAT,
                position: 2
            })
        );
        assert!(matches!(
            country("Germany"),
            Err(InvalidIdentifier::WrongLength { found: 7, .. })
        ));
    }
}
