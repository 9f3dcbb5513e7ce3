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
const BRAND_SUFFIXES: &[&str] = &[
    "", "", "", "tec", "tex", "trade", "mar", "lux", "com", "tron", "wind", "stern", "line", "log",
    "invest", "star", "med",
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

/// A company name without legal form.
pub(crate) fn draw_name(country: &EntityCountry, rng: &mut ChaCha8Rng) -> String {
    let sector = country.sectors[rng.random_range(0..country.sectors.len())];
    let mut brand = String::from(BRANDS[rng.random_range(0..BRANDS.len())]);
    brand.push_str(BRAND_SUFFIXES[rng.random_range(0..BRAND_SUFFIXES.len())]);
    let surname = crate::names::cultures()
        .iter()
        .find(|c| c.code == country.culture)
        .map(|c| c.draw_family(rng).primary().to_string())
        .unwrap_or_else(|| brand.clone());
    match rng.random_range(0..10) {
        0..=3 => format!("{brand} {sector}"),
        4..=6 => format!("{surname} {sector}"),
        7 => {
            let second = BRANDS[rng.random_range(0..BRANDS.len())];
            format!("{surname} & {second}")
        }
        8 => format!("{brand} {surname}"),
        _ => {
            let second = BRANDS[rng.random_range(0..BRANDS.len())];
            format!("{brand}{} {sector}", second.to_lowercase())
        }
    }
}

/// Every legal form of every country, for corruptions that find a form in a written name.
pub(crate) fn all_forms() -> impl Iterator<Item = &'static LegalForm> {
    ENTITY_COUNTRIES.iter().flat_map(|c| c.forms.iter())
}
