//! Legal entities: names, legal forms (short and long), registration countries.
//!
//! Entity names are built from a brand word or a family name and a sector word in the
//! country's language (`Nordwind Logistik`, `Rossi Costruzioni`), which repeats as real
//! company names do without making every second company a namesake.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// One legal form as a record may write it: the short form, its other short spellings, and
/// the long form.
#[derive(Debug)]
pub(crate) struct LegalForm {
    pub short: &'static [&'static str],
    pub long: &'static str,
}

/// A registration country: its weight among entities, language of sector words, the culture
/// whose family names appear in company names, and its legal forms (most common first).
#[derive(Debug)]
pub(crate) struct EntityCountry {
    pub code: &'static str,
    pub weight: f64,
    pub culture: &'static str,
    pub sectors: &'static [&'static str],
    pub forms: &'static [LegalForm],
}

const SECTORS_EN: &[&str] = &[
    "Trading",
    "Holdings",
    "Logistics",
    "Consulting",
    "Import Export",
    "Investments",
    "Capital",
    "Services",
    "Solutions",
    "Properties",
    "Shipping",
    "Group",
    "Ventures",
    "Technologies",
    "Partners",
    "Finance",
    "Motors",
    "Construction",
    "Energy",
    "Commodities",
];
const SECTORS_DE: &[&str] = &[
    "Handel",
    "Bau",
    "Logistik",
    "Immobilien",
    "Beteiligungs",
    "Consulting",
    "Transporte",
    "Verwaltungs",
    "Vermögensverwaltung",
    "Autohandel",
    "Gastronomie",
    "Import-Export",
    "Reisen",
    "Sicherheitsdienst",
    "Gebäudereinigung",
];
const SECTORS_FR: &[&str] = &[
    "Immobilier",
    "Négoce",
    "Transports",
    "Conseil",
    "Investissements",
    "Services",
    "Distribution",
    "Import Export",
    "Bâtiment",
    "Automobiles",
];
const SECTORS_ES: &[&str] = &[
    "Inversiones",
    "Construcciones",
    "Comercial",
    "Transportes",
    "Servicios",
    "Inmobiliaria",
    "Exportaciones",
    "Gestión",
];
const SECTORS_IT: &[&str] = &[
    "Costruzioni",
    "Immobiliare",
    "Trasporti",
    "Commerciale",
    "Servizi",
    "Import Export",
    "Investimenti",
];
const SECTORS_PL: &[&str] = &["Handel", "Budownictwo", "Transport", "Usługi", "Inwestycje"];
const SECTORS_TR: &[&str] = &["İnşaat", "Ticaret", "Nakliyat", "Turizm", "Gıda", "Tekstil"];
const SECTORS_NL: &[&str] = &[
    "Handel",
    "Bouw",
    "Transport",
    "Beheer",
    "Vastgoed",
    "Holding",
];

const GMBH: LegalForm = LegalForm {
    short: &["GmbH"],
    long: "Gesellschaft mit beschränkter Haftung",
};
const LTD: LegalForm = LegalForm {
    short: &["Ltd", "Ltd.", "LTD"],
    long: "Limited",
};
const PLC: LegalForm = LegalForm {
    short: &["PLC", "plc"],
    long: "Public Limited Company",
};
const LLC: LegalForm = LegalForm {
    short: &["LLC", "L.L.C."],
    long: "Limited Liability Company",
};

pub(crate) const ENTITY_COUNTRIES: &[EntityCountry] = &[
    EntityCountry {
        code: "DE",
        weight: 0.16,
        culture: "de",
        sectors: SECTORS_DE,
        forms: &[
            GMBH,
            LegalForm {
                short: &["AG"],
                long: "Aktiengesellschaft",
            },
            LegalForm {
                short: &["UG (haftungsbeschränkt)", "UG"],
                long: "Unternehmergesellschaft (haftungsbeschränkt)",
            },
            LegalForm {
                short: &["KG"],
                long: "Kommanditgesellschaft",
            },
        ],
    },
    EntityCountry {
        code: "GB",
        weight: 0.14,
        culture: "en",
        sectors: SECTORS_EN,
        forms: &[
            LTD,
            PLC,
            LegalForm {
                short: &["LLP"],
                long: "Limited Liability Partnership",
            },
        ],
    },
    EntityCountry {
        code: "FR",
        weight: 0.08,
        culture: "fr",
        sectors: SECTORS_FR,
        forms: &[
            LegalForm {
                short: &["SARL", "S.A.R.L."],
                long: "Société à responsabilité limitée",
            },
            LegalForm {
                short: &["SAS", "S.A.S."],
                long: "Société par actions simplifiée",
            },
            LegalForm {
                short: &["SA", "S.A."],
                long: "Société anonyme",
            },
        ],
    },
    EntityCountry {
        code: "ES",
        weight: 0.07,
        culture: "es",
        sectors: SECTORS_ES,
        forms: &[
            LegalForm {
                short: &["S.L.", "SL"],
                long: "Sociedad Limitada",
            },
            LegalForm {
                short: &["S.A.", "SA"],
                long: "Sociedad Anónima",
            },
        ],
    },
    EntityCountry {
        code: "IT",
        weight: 0.07,
        culture: "it",
        sectors: SECTORS_IT,
        forms: &[
            LegalForm {
                short: &["S.r.l.", "SRL", "Srl"],
                long: "Società a responsabilità limitata",
            },
            LegalForm {
                short: &["S.p.A.", "SpA"],
                long: "Società per azioni",
            },
        ],
    },
    EntityCountry {
        code: "NL",
        weight: 0.06,
        culture: "en",
        sectors: SECTORS_NL,
        forms: &[
            LegalForm {
                short: &["B.V.", "BV"],
                long: "Besloten Vennootschap",
            },
            LegalForm {
                short: &["N.V.", "NV"],
                long: "Naamloze Vennootschap",
            },
        ],
    },
    EntityCountry {
        code: "PL",
        weight: 0.05,
        culture: "pl",
        sectors: SECTORS_PL,
        forms: &[LegalForm {
            short: &["Sp. z o.o.", "sp. z o.o."],
            long: "Spółka z ograniczoną odpowiedzialnością",
        }],
    },
    EntityCountry {
        code: "TR",
        weight: 0.05,
        culture: "tr",
        sectors: SECTORS_TR,
        forms: &[
            LegalForm {
                short: &["Ltd. Şti.", "Ltd. Sti."],
                long: "Limited Şirketi",
            },
            LegalForm {
                short: &["A.Ş.", "A.S."],
                long: "Anonim Şirketi",
            },
        ],
    },
    EntityCountry {
        code: "CY",
        weight: 0.07,
        culture: "gr",
        sectors: SECTORS_EN,
        forms: &[LTD],
    },
    EntityCountry {
        code: "AE",
        weight: 0.06,
        culture: "ar",
        sectors: SECTORS_EN,
        forms: &[
            LegalForm {
                short: &["FZE", "F.Z.E."],
                long: "Free Zone Establishment",
            },
            LLC,
        ],
    },
    EntityCountry {
        code: "US",
        weight: 0.06,
        culture: "en",
        sectors: SECTORS_EN,
        forms: &[
            LLC,
            LegalForm {
                short: &["Inc.", "Inc"],
                long: "Incorporated",
            },
            LegalForm {
                short: &["Corp.", "Corp"],
                long: "Corporation",
            },
        ],
    },
    EntityCountry {
        code: "CN",
        weight: 0.04,
        culture: "cn",
        sectors: SECTORS_EN,
        forms: &[LegalForm {
            short: &["Co., Ltd.", "Co. Ltd"],
            long: "Company Limited",
        }],
    },
    EntityCountry {
        code: "HK",
        weight: 0.03,
        culture: "cn",
        sectors: SECTORS_EN,
        forms: &[LTD],
    },
    EntityCountry {
        code: "RU",
        weight: 0.03,
        culture: "ru",
        sectors: SECTORS_EN,
        forms: &[LegalForm {
            short: &["OOO", "ООО"],
            long: "Obshchestvo s ogranichennoy otvetstvennostyu",
        }],
    },
    EntityCountry {
        code: "NG",
        weight: 0.03,
        culture: "ng",
        sectors: SECTORS_EN,
        forms: &[LTD, PLC],
    },
];

/// Brand words: invented names that companies of every country use.
const BRANDS: &[&str] = &[
    "Nord", "Sud", "Ost", "West", "Alpha", "Omega", "Euro", "Trans", "Inter", "Global", "Prime",
    "Star", "Blue", "Green", "Silver", "Golden", "Atlas", "Orion", "Nova", "Terra", "Baltic",
    "Adria", "Medi", "Pacific", "Delta", "Sigma", "Apex", "Vertex", "Zenit", "Aurora", "Falcon",
    "Eagle", "Lion", "Phoenix", "Crown", "Royal", "Vista", "Summit", "Horizon", "Pioneer",
];

/// Draws a registration country by weight.
pub(crate) fn draw_country(rng: &mut ChaCha8Rng) -> &'static EntityCountry {
    let total: f64 = ENTITY_COUNTRIES.iter().map(|c| c.weight).sum();
    let mut x = rng.random::<f64>() * total;
    for c in ENTITY_COUNTRIES {
        if x < c.weight {
            return c;
        }
        x -= c.weight;
    }
    &ENTITY_COUNTRIES[0]
}

/// Pieces of invented brand words (`Vantrex`, `Kolmira`): a quarter of a million of them, so
/// that two different companies of one country rarely share a name, as registers ensure.
const ONSETS: &[&str] = &[
    "B", "C", "D", "F", "G", "K", "L", "M", "N", "P", "R", "S", "T", "V", "Z", "Br", "Cr", "Dr",
    "Fl", "Gr", "Kr", "Pr", "St", "Tr", "Vr",
];
const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ia", "io", "ea"];
const MIDDLES: &[&str] = &[
    "l", "n", "r", "s", "t", "v", "x", "m", "nd", "rt", "st", "lv",
];
const ENDINGS: &[&str] = &[
    "", "n", "x", "s", "r", "m", "l", "tech", "co", "ra", "on", "is", "ex",
];

fn pseudo_word(rng: &mut ChaCha8Rng) -> String {
    let mut w = String::new();
    for part in [ONSETS, VOWELS, MIDDLES, VOWELS, ENDINGS] {
        w.push_str(part[rng.random_range(0..part.len())]);
    }
    w
}

/// A company name without legal form.
pub(crate) fn draw_name(country: &EntityCountry, rng: &mut ChaCha8Rng) -> String {
    let sector = country.sectors[rng.random_range(0..country.sectors.len())];
    let brand = BRANDS[rng.random_range(0..BRANDS.len())];
    let surname = |rng: &mut ChaCha8Rng| {
        crate::names::cultures()
            .iter()
            .find(|c| c.code == country.culture)
            .map(|c| c.draw_family(rng).primary().to_string())
            .unwrap_or_else(|| pseudo_word(rng))
    };
    match rng.random_range(0..10) {
        0..=3 => format!("{} {sector}", pseudo_word(rng)),
        4..=5 => format!("{brand}{} {sector}", pseudo_word(rng).to_lowercase()),
        6..=7 => format!("{} & {} {sector}", surname(rng), surname(rng)),
        8 => format!("{} {} {sector}", surname(rng), pseudo_word(rng)),
        _ => format!("{brand} {} {sector}", pseudo_word(rng)),
    }
}

/// A town of `country` for an address.
pub(crate) fn draw_city(country: &str, rng: &mut ChaCha8Rng) -> &'static str {
    let cities: &[&str] = match country {
        "DE" => &[
            "Berlin",
            "Hamburg",
            "München",
            "Köln",
            "Frankfurt am Main",
            "Düsseldorf",
        ],
        "GB" => &["London", "Manchester", "Birmingham", "Leeds", "Glasgow"],
        "FR" => &["Paris", "Marseille", "Lyon", "Toulouse", "Nice"],
        "ES" => &["Madrid", "Barcelona", "Valencia", "Sevilla", "Málaga"],
        "IT" => &["Roma", "Milano", "Napoli", "Torino", "Palermo"],
        "NL" => &["Amsterdam", "Rotterdam", "Den Haag", "Utrecht"],
        "PL" => &["Warszawa", "Kraków", "Łódź", "Wrocław", "Gdańsk"],
        "TR" => &["İstanbul", "Ankara", "İzmir", "Bursa"],
        "CY" => &["Limassol", "Nicosia", "Larnaca"],
        "AE" => &["Dubai", "Abu Dhabi", "Sharjah"],
        "US" => &["New York", "Miami", "Wilmington", "Los Angeles"],
        "CN" => &["Shanghai", "Beijing", "Shenzhen", "Guangzhou"],
        "HK" => &["Hong Kong", "Kowloon"],
        "RU" => &["Moskva", "Sankt-Peterburg", "Kazan"],
        "NG" => &["Lagos", "Abuja", "Port Harcourt"],
        _ => &["Capital City"],
    };
    cities[rng.random_range(0..cities.len())]
}

/// Every legal form of every country, for corruptions that find a form in a written name.
pub(crate) fn all_forms() -> impl Iterator<Item = &'static LegalForm> {
    ENTITY_COUNTRIES.iter().flat_map(|c| c.forms.iter())
}
