//! Word lists for name normalisation: honorifics, generational suffixes, name particles and
//! legal forms.
//!
//! These lists are part of the interoperable format: two nodes that disagree on one word
//! produce different keys for the same name. Every list is matched against *folded* tokens
//! (lower-case ASCII letters and digits, see [`super::fold`]), so each entry is written in
//! that form. docs/PROTOCOL.md section 2 reproduces them; a change here is a format change.

/// Titles and honorifics that are removed wherever they stand in a person's name.
///
/// Only words that are practically never a name in their own right belong here; words that
/// are both (`don`, `sheikh`, `sir`, ...) are in [`is_ambiguous_title`].
pub(super) fn is_title(token: &str) -> bool {
    matches!(
        token,
        // English
        "mr" | "mrs" | "ms" | "mx" | "miss" | "mister" | "missus" | "messrs" | "dr" | "doctor"
            | "prof" | "professor" | "rev" | "revd" | "reverend" | "hon" | "esq" | "phd"
            | "capt" | "col" | "sgt"
            // German, Dutch, Austrian, Czech, Polish academic and courtesy titles
            | "herr" | "frau" | "fraulein" | "dipl" | "mag" | "drs" | "ir" | "mgr" | "univ"
            // French
            | "monsieur" | "mme" | "mlle" | "madame" | "mademoiselle"
            // Spanish, Portuguese, Italian
            | "sr" | "sra" | "srta" | "snr" | "senor" | "senora" | "senorita" | "dra" | "sig"
            | "signor" | "signora" | "signorina" | "dott" | "dottssa" | "dottoressa" | "avv"
            // Generational suffixes
            | "jr" | "jnr" | "ii" | "iii" | "iv"
    )
}

/// Titles that are also given names or family names (`Don Johnson`, `Sheikh Hasina`,
/// `Eng` is a Chinese surname, `Junior` a Brazilian given name).
///
/// They are removed only when the name keeps at least two other distinct tokens; the rule
/// depends on the token set alone, not on order, so `Johnson, Don` and `Don Johnson` agree.
pub(super) fn is_ambiguous_title(token: &str) -> bool {
    matches!(
        token,
        "don"
            | "dona"
            | "dom"
            | "sir"
            | "dame"
            | "lord"
            | "lady"
            | "sheikh"
            | "sheik"
            | "shaikh"
            | "shaykh"
            | "cheikh"
            | "sheikha"
            | "shaikha"
            | "haji"
            | "hajji"
            | "hadji"
            | "hajj"
            | "alhaji"
            | "alhaj"
            | "eng"
            | "ing"
            | "junior"
            | "senior"
    )
}

/// Name particles that are joined to the next token, so `Al-Rashid`, `Al Rashid` and
/// `Alrashid` agree.
///
/// `ben` is left out on purpose: it is far more often an English given name than a particle,
/// and `mac`/`mc` are part of the surname as written. Vietnamese `van` does collide with the
/// Dutch particle; both FIUs join it the same way, so matching is unaffected.
pub(super) fn is_particle(token: &str) -> bool {
    matches!(
        token,
        // Arabic
        "al" | "el" | "bin" | "ibn" | "bint" | "abu" | "abou" | "ould" | "ul" | "ud"
            | "abd" | "abdal" | "abdel" | "abdol" | "abdoul" | "abdul" | "abdur" | "abdus"
            // Arabic script as any_ascii writes it (no short vowels, no alif):
            // bin, bint, abu, abd
            | "bn" | "bnt" | "bw" | "bd"
            // Dutch, German
            | "van" | "von" | "der" | "den" | "ter" | "ten" | "zu" | "vom" | "zum" | "zur"
            // Romance
            | "de" | "del" | "della" | "degli" | "dei" | "di" | "da" | "das" | "do" | "dos"
            | "du" | "des" | "la" | "le" | "las" | "los"
    )
}

/// A legal form that spans several tokens, and its canonical form.
pub(super) struct LegalPhrase {
    /// The folded tokens, in order.
    pub(super) words: &'static [&'static str],
    /// What [`super::legal_form`] reports.
    pub(super) canonical: &'static str,
}

/// Legal forms written as several words, longest first within each first word so that the
/// first match is the longest one.
pub(super) const LEGAL_PHRASES: &[LegalPhrase] = &[
    LegalPhrase {
        words: &["gmbh", "co", "kgaa"],
        canonical: "gmbh & co kgaa",
    },
    LegalPhrase {
        words: &["gmbh", "co", "kg"],
        canonical: "gmbh & co kg",
    },
    LegalPhrase {
        words: &["gmbh", "co", "ohg"],
        canonical: "gmbh & co ohg",
    },
    LegalPhrase {
        words: &["ag", "co", "kg"],
        canonical: "ag & co kg",
    },
    LegalPhrase {
        words: &["ug", "co", "kg"],
        canonical: "ug & co kg",
    },
    LegalPhrase {
        words: &["co", "kg"],
        canonical: "kg",
    },
    LegalPhrase {
        words: &["sp", "zoo"],
        canonical: "sp zoo",
    },
    LegalPhrase {
        words: &["sp", "z", "oo"],
        canonical: "sp zoo",
    },
    LegalPhrase {
        words: &["sa", "de", "cv"],
        canonical: "sa de cv",
    },
    LegalPhrase {
        words: &["public", "limited", "company"],
        canonical: "plc",
    },
    LegalPhrase {
        words: &["public", "joint", "stock", "company"],
        canonical: "pjsc",
    },
    LegalPhrase {
        words: &["closed", "joint", "stock", "company"],
        canonical: "cjsc",
    },
    LegalPhrase {
        words: &["open", "joint", "stock", "company"],
        canonical: "ojsc",
    },
    LegalPhrase {
        words: &["joint", "stock", "company"],
        canonical: "jsc",
    },
    LegalPhrase {
        words: &["limited", "liability", "company"],
        canonical: "llc",
    },
    LegalPhrase {
        words: &["limited", "liability", "partnership"],
        canonical: "llp",
    },
    LegalPhrase {
        words: &["limited", "partnership"],
        canonical: "lp",
    },
    LegalPhrase {
        words: &["societe", "anonyme"],
        canonical: "sa",
    },
    LegalPhrase {
        words: &["sociedad", "anonima"],
        canonical: "sa",
    },
    LegalPhrase {
        words: &["sociedad", "limitada"],
        canonical: "sl",
    },
    LegalPhrase {
        words: &["societa", "per", "azioni"],
        canonical: "spa",
    },
    LegalPhrase {
        words: &["societe", "a", "responsabilite", "limitee"],
        canonical: "sarl",
    },
    LegalPhrase {
        words: &["gesellschaft", "mit", "beschrankter", "haftung"],
        canonical: "gmbh",
    },
    LegalPhrase {
        words: &["besloten", "vennootschap"],
        canonical: "bv",
    },
    LegalPhrase {
        words: &["naamloze", "vennootschap"],
        canonical: "nv",
    },
    LegalPhrase {
        words: &["sdn", "bhd"],
        canonical: "sdn bhd",
    },
    LegalPhrase {
        words: &["pty", "ltd"],
        canonical: "pty ltd",
    },
    LegalPhrase {
        words: &["pte", "ltd"],
        canonical: "pte ltd",
    },
    LegalPhrase {
        words: &["co", "ltd"],
        canonical: "co ltd",
    },
];

/// A legal form written as one folded token, and its canonical form.
///
/// Runs of single letters are merged before this lookup (`S.A.` becomes `sa`, `A/S` becomes
/// `as`), so initialisms appear here in their merged form only.
pub(super) fn legal_word(token: &str) -> Option<&'static str> {
    Some(match token {
        // English-speaking
        "ltd" | "limited" => "ltd",
        "plc" => "plc",
        "llc" => "llc",
        "llp" => "llp",
        "lllp" => "lllp",
        "lp" => "lp",
        "pllc" => "pllc",
        "inc" | "incorporated" => "inc",
        "corp" | "corporation" => "corp",
        "co" | "company" => "co",
        "pty" => "pty",
        "pte" => "pte",
        "sdn" => "sdn",
        "bhd" | "berhad" => "bhd",
        // German-speaking
        "gmbh" => "gmbh",
        "mbh" => "mbh",
        "ag" | "aktiengesellschaft" => "ag",
        "kg" | "kommanditgesellschaft" => "kg",
        "kgaa" => "kgaa",
        "ohg" => "ohg",
        "ug" => "ug",
        "haftungsbeschrankt" => "ug",
        "ev" => "ev",
        "ek" => "ek",
        "gbr" => "gbr",
        "se" => "se",
        // French, Spanish, Italian, Portuguese
        "sa" => "sa",
        "sarl" => "sarl",
        "sas" => "sas",
        "sasu" => "sasu",
        "sca" => "sca",
        "snc" => "snc",
        "eurl" => "eurl",
        "sl" | "slu" => "sl",
        "srl" => "srl",
        "spa" => "spa",
        "sapa" => "sapa",
        "ltda" | "limitada" => "ltda",
        "cv" => "cv",
        // Benelux, Nordic
        "bv" | "bvba" => "bv",
        "nv" => "nv",
        "vof" => "vof",
        "oy" | "oyj" => "oy",
        "ab" => "ab",
        "as" => "as",
        "asa" => "asa",
        "aps" => "aps",
        "hf" | "ehf" => "hf",
        // Central and Eastern Europe
        "kft" => "kft",
        "zrt" => "zrt",
        "nyrt" => "nyrt",
        "sro" => "sro",
        "akc" => "as",
        "doo" => "doo",
        "dd" => "dd",
        "ood" => "ood",
        "eood" => "eood",
        "sp" => "sp",
        // Russian, Ukrainian and other former-Soviet forms, as transliterated
        "ooo" => "ooo",
        "oao" => "oao",
        "zao" => "zao",
        "pao" => "pao",
        "ao" => "ao",
        "tov" => "tov",
        "prat" => "prat",
        "pjsc" => "pjsc",
        "ojsc" => "ojsc",
        "cjsc" => "cjsc",
        "jsc" => "jsc",
        // Greek, as transliterated
        "ae" => "ae",
        "epe" => "epe",
        "ike" => "ike",
        // Japanese and Chinese romanised forms
        "kk" => "kk",
        _ => return None,
    })
}

/// Words removed from entity names that are not legal forms.
pub(super) fn is_entity_stopword(token: &str) -> bool {
    matches!(token, "the" | "and")
}
