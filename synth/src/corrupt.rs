//! Corruptions: the ways two FIUs' records of the same subject differ.
//!
//! Each [`Corruption`] fires with its own probability from a [`CorruptionProfile`] and, when
//! it fires, rewrites one of the two copies (chosen at random), so neither side is the clean
//! one. A corruption that cannot apply to a subject (a transliteration of a name with a
//! single spelling, a legal form on a person) is skipped and not recorded, so a
//! per-corruption table counts only pairs that really differ in that way.
//!
//! Order matters when several fire: name forms first (script, spelling, diacritics,
//! phonetic, typo), then structure (middle name, order), then case and punctuation, then
//! dates and fields, so that for instance a typo lands in whatever spelling the record has.

use matcher::subject::{Person, Record, Subject};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::entities;
use crate::identifiers as ids;
use crate::names::{NameEntry, Script};
use crate::population::{PersonTruth, Truth};

/// One way two records of the same subject differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Corruption {
    /// Given and family names swapped between their fields.
    NameOrder,
    /// The whole name written in the family field as `Family, Given Middle`.
    FamilyCommaGiven,
    /// One typing error in one name token: substitution, deletion, insertion or adjacent
    /// transposition.
    Typo,
    /// Another Latin spelling of the same name (`Muhammad` for `Mohammed`, `Meier` for
    /// `Meyer`).
    Transliteration,
    /// The names written in their original script (or back in Latin).
    OriginalScript,
    /// A sound-preserving respelling of one token (`ph`/`f`, `y`/`i`, doubled letters).
    Phonetic,
    /// The middle name left out.
    MissingMiddle,
    /// Day and month of the date of birth swapped.
    DayMonthSwap,
    /// Only the year, or the year and month, of the date of birth.
    PartialDate,
    /// No date of birth.
    MissingDate,
    /// A document, phone, e-mail, LEI, registration or tax number missing on one side.
    MissingField,
    /// Diacritics dropped (`Müller` to `Muller`, `Łukasz` to `Lukasz`).
    Diacritics,
    /// Upper or lower case, hyphens, apostrophes, titles.
    CasePunctuation,
    /// The legal form written short, long, inside the name, or not at all.
    LegalForm,
    /// An identifier in another written form (IBAN with spaces or in lower case, phone
    /// spacing, container with spaces, `IMO` prefix, chain ticker).
    IdentifierFormat,
}

impl Corruption {
    /// Every corruption, in the order they are applied.
    pub const ALL: [Corruption; 15] = [
        Corruption::OriginalScript,
        Corruption::Transliteration,
        Corruption::Diacritics,
        Corruption::Phonetic,
        Corruption::Typo,
        Corruption::MissingMiddle,
        Corruption::NameOrder,
        Corruption::FamilyCommaGiven,
        Corruption::CasePunctuation,
        Corruption::LegalForm,
        Corruption::IdentifierFormat,
        Corruption::DayMonthSwap,
        Corruption::PartialDate,
        Corruption::MissingDate,
        Corruption::MissingField,
    ];

    /// The snake_case name used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Corruption::NameOrder => "name_order",
            Corruption::FamilyCommaGiven => "family_comma_given",
            Corruption::Typo => "typo",
            Corruption::Transliteration => "transliteration",
            Corruption::OriginalScript => "original_script",
            Corruption::Phonetic => "phonetic",
            Corruption::MissingMiddle => "missing_middle",
            Corruption::DayMonthSwap => "day_month_swap",
            Corruption::PartialDate => "partial_date",
            Corruption::MissingDate => "missing_date",
            Corruption::MissingField => "missing_field",
            Corruption::Diacritics => "diacritics",
            Corruption::CasePunctuation => "case_punctuation",
            Corruption::LegalForm => "legal_form",
            Corruption::IdentifierFormat => "identifier_format",
        }
    }

    fn index(self) -> usize {
        Corruption::ALL
            .iter()
            .position(|c| *c == self)
            .unwrap_or_default()
    }
}

/// The probability of each corruption between the two copies of a shared subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorruptionProfile {
    /// Probability per corruption, indexed in [`Corruption::ALL`] order.
    probabilities: [f64; 15],
    /// Whether a typo may hit the first letter of a token. Off in the realistic profile:
    /// first letters are the most carefully typed and read, and blocking on them is common.
    pub typo_first_letter: bool,
}

impl Default for CorruptionProfile {
    /// The realistic mix: what differs between two FIUs' records of the same subject in
    /// practice, by our reading of data-quality studies of STR data.
    fn default() -> Self {
        let mut p = CorruptionProfile::none();
        p.set(Corruption::NameOrder, 0.06);
        p.set(Corruption::FamilyCommaGiven, 0.03);
        p.set(Corruption::Typo, 0.08);
        p.set(Corruption::Transliteration, 0.25);
        p.set(Corruption::OriginalScript, 0.10);
        p.set(Corruption::Phonetic, 0.04);
        p.set(Corruption::MissingMiddle, 0.30);
        p.set(Corruption::DayMonthSwap, 0.02);
        p.set(Corruption::PartialDate, 0.03);
        p.set(Corruption::MissingDate, 0.01);
        p.set(Corruption::MissingField, 0.15);
        p.set(Corruption::Diacritics, 0.30);
        p.set(Corruption::CasePunctuation, 0.25);
        p.set(Corruption::LegalForm, 0.40);
        p.set(Corruption::IdentifierFormat, 0.30);
        p
    }
}

impl CorruptionProfile {
    /// No corruption: both copies identical.
    pub fn none() -> Self {
        CorruptionProfile {
            probabilities: [0.0; 15],
            typo_first_letter: false,
        }
    }

    /// Only `kind`, on every pair it can apply to: attributes misses to one corruption.
    pub fn only(kind: Corruption) -> Self {
        let mut p = CorruptionProfile::none();
        p.set(kind, 1.0);
        p
    }

    /// Sets the probability of `kind` (clamped to 0..=1; NaN counts as 0).
    pub fn set(&mut self, kind: Corruption, probability: f64) -> &mut Self {
        self.probabilities[kind.index()] = if probability.is_nan() {
            0.0
        } else {
            probability.clamp(0.0, 1.0)
        };
        self
    }

    /// The probability of `kind`.
    pub fn probability(&self, kind: Corruption) -> f64 {
        self.probabilities[kind.index()]
    }
}

/// Corrupts the two copies of one shared subject; returns the corruptions applied.
pub(crate) fn corrupt_pair(
    truth: &Truth,
    a: &mut Subject,
    b: &mut Subject,
    profile: &CorruptionProfile,
    rng: &mut ChaCha8Rng,
) -> Vec<Corruption> {
    let mut applied = Vec::new();
    for kind in Corruption::ALL {
        let p = profile.probability(kind);
        if p <= 0.0 || !rng.random_bool(p) {
            continue;
        }
        let target = if rng.random_bool(0.5) {
            &mut *a
        } else {
            &mut *b
        };
        if apply(kind, truth, target, profile, rng) {
            applied.push(kind);
        }
    }
    applied
}

/// Applies one corruption to `subject`; false when it does not apply.
fn apply(
    kind: Corruption,
    truth: &Truth,
    subject: &mut Subject,
    profile: &CorruptionProfile,
    rng: &mut ChaCha8Rng,
) -> bool {
    match (&mut subject.record, truth) {
        (Record::Person(p), Truth::Person(t)) => person(kind, t, p, profile, rng),
        (Record::Entity(e), Truth::Entity(t)) => match kind {
            Corruption::Typo => typo_in_field(&mut e.name, profile.typo_first_letter, rng, |w| {
                !is_legal_form_word(w)
            }),
            Corruption::Diacritics => map_field(&mut e.name, strip_diacritics),
            Corruption::Phonetic => phonetic_in_field(&mut e.name, rng),
            Corruption::CasePunctuation => entity_case(e, rng),
            Corruption::LegalForm => legal_form(e, t, rng),
            Corruption::MissingField => entity_missing(e, rng),
            Corruption::IdentifierFormat => entity_ids(e, rng),
            _ => false,
        },
        (record, _) => match kind {
            Corruption::IdentifierFormat => identifier_format(record, rng),
            _ => false,
        },
    }
}

fn person(
    kind: Corruption,
    t: &PersonTruth,
    p: &mut Person,
    profile: &CorruptionProfile,
    rng: &mut ChaCha8Rng,
) -> bool {
    match kind {
        Corruption::NameOrder => {
            if p.given_name.is_some() && p.family_name.is_some() && p.given_name != p.family_name {
                std::mem::swap(&mut p.given_name, &mut p.family_name);
                true
            } else {
                false
            }
        }
        Corruption::FamilyCommaGiven => {
            let (Some(given), Some(family)) = (p.given_name.take(), p.family_name.take()) else {
                return false;
            };
            let written = match p.middle_name.take() {
                Some(m) => format!("{family}, {given} {m}"),
                None => format!("{family}, {given}"),
            };
            p.family_name = Some(written);
            true
        }
        Corruption::Typo => {
            let fields = name_fields(p);
            let Some(field) = pick_field(fields, rng) else {
                return false;
            };
            typo_in_field(field, profile.typo_first_letter, rng, |_| true)
        }
        Corruption::Transliteration => transliterate(t, p, rng),
        Corruption::OriginalScript => original_script(t, p),
        Corruption::Phonetic => {
            let fields = name_fields(p);
            let Some(field) = pick_field(fields, rng) else {
                return false;
            };
            phonetic_in_field(field, rng)
        }
        Corruption::MissingMiddle => p.middle_name.take().is_some(),
        Corruption::DayMonthSwap => {
            let Some(d) = &p.birth_date else { return false };
            let parts: Vec<&str> = d.split('-').collect();
            match parts.as_slice() {
                [y, m, day] if m != day && day.parse::<u32>().is_ok_and(|v| v <= 12) => {
                    p.birth_date = Some(format!("{y}-{day}-{m}"));
                    true
                }
                _ => false,
            }
        }
        Corruption::PartialDate => {
            let Some(d) = &p.birth_date else { return false };
            if d.len() != 10 {
                return false;
            }
            let cut = if rng.random_bool(0.5) { 4 } else { 7 };
            p.birth_date = Some(d[..cut].to_string());
            true
        }
        Corruption::MissingDate => p.birth_date.take().is_some(),
        Corruption::MissingField => {
            let mut options: Vec<u8> = Vec::new();
            if !p.documents.is_empty() {
                options.push(0);
            }
            if !p.phones.is_empty() {
                options.push(1);
            }
            if !p.emails.is_empty() {
                options.push(2);
            }
            if options.is_empty() {
                return false;
            }
            match options[rng.random_range(0..options.len())] {
                0 => {
                    let i = rng.random_range(0..p.documents.len());
                    p.documents.remove(i);
                }
                1 => p.phones.clear(),
                _ => p.emails.clear(),
            }
            true
        }
        Corruption::Diacritics => {
            let mut changed = false;
            for f in [&mut p.given_name, &mut p.middle_name, &mut p.family_name]
                .into_iter()
                .flatten()
            {
                changed |= map_field(f, strip_diacritics);
            }
            changed
        }
        Corruption::CasePunctuation => person_case(p, rng),
        Corruption::IdentifierFormat => {
            if let Some(ph) = p.phones.first_mut() {
                return map_field(ph, |s| phone_format(s, 1));
            }
            if let Some(d) = p.documents.first_mut() {
                return map_field(&mut d.number, |s| s.to_lowercase());
            }
            false
        }
        Corruption::LegalForm => false,
    }
}

fn name_fields(p: &mut Person) -> Vec<&mut String> {
    [&mut p.given_name, &mut p.middle_name, &mut p.family_name]
        .into_iter()
        .flatten()
        .collect()
}

fn pick_field<'a>(mut fields: Vec<&'a mut String>, rng: &mut ChaCha8Rng) -> Option<&'a mut String> {
    if fields.is_empty() {
        return None;
    }
    let i = rng.random_range(0..fields.len());
    Some(fields.swap_remove(i))
}

/// Replaces `field` by `f(field)`; true if that changed it.
fn map_field(field: &mut String, f: impl FnOnce(&str) -> String) -> bool {
    let new = f(field);
    if new == *field {
        false
    } else {
        *field = new;
        true
    }
}

/// Writes one name entry's token in `field` with another Latin form of the same name.
fn transliterate(t: &PersonTruth, p: &mut Person, rng: &mut ChaCha8Rng) -> bool {
    let mut candidates: Vec<(&mut String, &NameEntry)> = Vec::new();
    let mut fields: Vec<(&mut Option<String>, Vec<&NameEntry>)> = vec![
        (&mut p.given_name, vec![&t.given]),
        (&mut p.middle_name, t.middle.iter().collect()),
        (&mut p.family_name, t.family.iter().collect()),
    ];
    for (field, entries) in fields.iter_mut() {
        if let Some(text) = field.as_mut() {
            // Only one entry per field is rewritten, so the borrow is taken once.
            if let Some(e) = entries
                .iter()
                .copied()
                .filter(|e| e.latin.len() > 1 || e.native.is_some())
                .find(|e| current_form(text, e).is_some())
            {
                candidates.push((text, e));
            }
        }
    }
    if candidates.is_empty() {
        return false;
    }
    let i = rng.random_range(0..candidates.len());
    let (text, entry) = candidates.swap_remove(i);
    let Some(current) = current_form(text, entry) else {
        return false;
    };
    let others: Vec<&String> = entry.latin.iter().filter(|f| **f != current).collect();
    if others.is_empty() {
        return false;
    }
    let replacement = others[rng.random_range(0..others.len())].clone();
    *text = text.replacen(&current, &replacement, 1);
    true
}

/// Which written form of `entry` the field contains, longest first (so `Mohammed` is not
/// read as `Mohamed`).
fn current_form(text: &str, entry: &NameEntry) -> Option<String> {
    let mut forms: Vec<&String> = entry.latin.iter().chain(entry.native.iter()).collect();
    forms.sort_by_key(|f| std::cmp::Reverse(f.chars().count()));
    forms
        .into_iter()
        .find(|f| {
            text.split([' ', '-'])
                .any(|w| w == f.as_str() || (f.contains(' ') && text.contains(f.as_str())))
        })
        .cloned()
}

/// Writes the names in their original script, or back in Latin if they already are.
fn original_script(t: &PersonTruth, p: &mut Person) -> bool {
    if t.script == Script::Latin || t.given.native.is_none() {
        return false;
    }
    let is_native = p.family_name.as_deref().is_some_and(|f| {
        f.chars()
            .any(|c| !c.is_ascii() && c.is_alphabetic() && !is_latin(c))
    });
    let form = |e: &NameEntry| -> String {
        if is_native {
            e.primary().to_string()
        } else {
            e.native.clone().unwrap_or_else(|| e.primary().to_string())
        }
    };
    let family = t.family.iter().map(form).collect::<Vec<_>>().join(" ");
    p.given_name = Some(form(&t.given));
    if p.middle_name.is_some() {
        p.middle_name = t.middle.as_ref().map(form);
    }
    p.family_name = Some(family);
    true
}

fn is_latin(c: char) -> bool {
    matches!(c as u32, 0x00C0..=0x024F | 0x1E00..=0x1EFF)
}

/// Adjacent keys on a QWERTY keyboard, for substitution and insertion typos.
fn neighbour(c: char, rng: &mut ChaCha8Rng) -> char {
    const ROWS: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];
    let lower = c.to_ascii_lowercase();
    for row in ROWS {
        if let Some(i) = row.find(lower) {
            let bytes = row.as_bytes();
            let j = if i == 0 {
                1
            } else if i + 1 == bytes.len() || rng.random_bool(0.5) {
                i - 1
            } else {
                i + 1
            };
            let n = char::from(bytes[j]);
            return if c.is_uppercase() {
                n.to_ascii_uppercase()
            } else {
                n
            };
        }
    }
    // Outside ASCII letters: a vowel is the commonest slip.
    ['a', 'e', 'i', 'o'][rng.random_range(0..4)]
}

/// One typo in one token of `field` that `eligible` accepts (tokens of 3+ letters).
fn typo_in_field(
    field: &mut String,
    first_letter: bool,
    rng: &mut ChaCha8Rng,
    eligible: impl Fn(&str) -> bool,
) -> bool {
    let tokens: Vec<&str> = field.split(' ').collect();
    let candidates: Vec<usize> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| t.chars().filter(|c| c.is_alphabetic()).count() >= 3 && eligible(t))
        .map(|(i, _)| i)
        .collect();
    if candidates.is_empty() {
        return false;
    }
    let ti = candidates[rng.random_range(0..candidates.len())];
    let mut chars: Vec<char> = tokens[ti].chars().collect();
    let start = if first_letter { 0 } else { 1 };
    let n = chars.len();
    match rng.random_range(0..4) {
        0 => {
            let i = rng.random_range(start..n);
            let c = neighbour(chars[i], rng);
            if c == chars[i] {
                return false;
            }
            chars[i] = c;
        }
        1 => {
            chars.remove(rng.random_range(start..n));
        }
        2 => {
            let i = rng.random_range(start.max(1)..=n);
            let c = neighbour(chars[i - 1], rng)
                .to_lowercase()
                .next()
                .unwrap_or('e');
            chars.insert(i, c);
        }
        _ => {
            let i = rng.random_range(start..n - 1);
            if chars[i] == chars[i + 1] {
                return false;
            }
            chars.swap(i, i + 1);
        }
    }
    let new_token: String = chars.into_iter().collect();
    let mut out: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
    out[ti] = new_token;
    *field = out.join(" ");
    true
}

/// Sound-preserving respellings, tried in random order on one token.
const PHONETIC_RULES: &[(&str, &str)] = &[
    ("ph", "f"),
    ("f", "ph"),
    ("ck", "k"),
    ("ei", "ai"),
    ("ai", "ei"),
    ("ey", "ei"),
    ("y", "i"),
    ("i", "y"),
    ("th", "t"),
    ("tz", "z"),
    ("dt", "tt"),
    ("ou", "u"),
    ("oo", "u"),
    ("sch", "sh"),
    ("sh", "sch"),
    ("ks", "x"),
    ("x", "ks"),
    ("ca", "ka"),
    ("co", "ko"),
    ("cu", "ku"),
    ("k", "c"),
    ("v", "w"),
    ("w", "v"),
    ("z", "s"),
    ("ss", "s"),
    ("mm", "m"),
    ("ll", "l"),
    ("nn", "n"),
    ("tt", "t"),
    ("rr", "r"),
    ("ie", "i"),
    ("ch", "kh"),
    ("kh", "ch"),
    ("j", "dj"),
    ("ou", "oo"),
    ("e", "ae"),
];

fn phonetic_in_field(field: &mut String, rng: &mut ChaCha8Rng) -> bool {
    let tokens: Vec<String> = field.split(' ').map(str::to_string).collect();
    let order = {
        let mut o: Vec<usize> = (0..tokens.len()).collect();
        rand::seq::SliceRandom::shuffle(&mut o[..], rng);
        o
    };
    let rule_start = rng.random_range(0..PHONETIC_RULES.len());
    for ti in order {
        let token = &tokens[ti];
        if is_legal_form_word(token) || token.chars().count() < 3 {
            continue;
        }
        for k in 0..PHONETIC_RULES.len() {
            let (from, to) = PHONETIC_RULES[(rule_start + k) % PHONETIC_RULES.len()];
            let lower = token.to_lowercase();
            // Not on the first letter unless the rule is one that really starts names
            // (`Ph`/`F`, `C`/`K`, `W`/`V`).
            if let Some(pos) = lower.match_indices(from).map(|(i, _)| i).find(|&i| {
                i > 0 || matches!(from, "ph" | "f" | "ca" | "co" | "cu" | "k" | "w" | "v")
            }) {
                if lower.len() != token.len() {
                    continue;
                }
                let mut new = String::new();
                new.push_str(&token[..pos]);
                let original = &token[pos..pos + from.len()];
                if original.chars().next().is_some_and(char::is_uppercase) {
                    let mut c = to.chars();
                    if let Some(first) = c.next() {
                        new.extend(first.to_uppercase());
                        new.push_str(c.as_str());
                    }
                } else {
                    new.push_str(to);
                }
                new.push_str(&token[pos + from.len()..]);
                let mut out = tokens.clone();
                out[ti] = new;
                *field = out.join(" ");
                return true;
            }
        }
    }
    false
}

fn person_case(p: &mut Person, rng: &mut ChaCha8Rng) -> bool {
    match rng.random_range(0..6) {
        0 => p
            .family_name
            .as_mut()
            .is_some_and(|f| map_field(f, str::to_uppercase)),
        1 => {
            let mut changed = false;
            for f in [&mut p.given_name, &mut p.middle_name, &mut p.family_name]
                .into_iter()
                .flatten()
            {
                changed |= map_field(f, str::to_uppercase);
            }
            changed
        }
        2 => {
            let mut changed = false;
            for f in [&mut p.given_name, &mut p.middle_name, &mut p.family_name]
                .into_iter()
                .flatten()
            {
                changed |= map_field(f, str::to_lowercase);
            }
            changed
        }
        3 => {
            let title = ["Mr.", "Mrs", "Dr.", "Herr", "Frau", "M.", "Sr."][rng.random_range(0..7)];
            match p.given_name.as_mut() {
                Some(g) => {
                    *g = format!("{title} {g}");
                    true
                }
                None => false,
            }
        }
        4 => {
            let mut changed = false;
            for f in [&mut p.given_name, &mut p.family_name]
                .into_iter()
                .flatten()
            {
                changed |= map_field(f, |s| {
                    if s.contains('-') {
                        s.replace('-', " ")
                    } else if s.contains(' ') {
                        s.replacen(' ', "-", 1)
                    } else {
                        s.replace('\'', "")
                    }
                });
            }
            changed
        }
        _ => {
            let mut changed = false;
            for f in [&mut p.given_name, &mut p.family_name]
                .into_iter()
                .flatten()
            {
                changed |= map_field(f, |s| format!("{s}."));
            }
            changed
        }
    }
}

/// Whether a token is (part of) a legal form, so typos and respellings leave it alone.
fn is_legal_form_word(word: &str) -> bool {
    entities::all_forms().any(|f| {
        f.short.iter().any(|s| s.split(' ').any(|w| w == word))
            || f.long.split(' ').any(|w| w == word)
    })
}

fn entity_case(e: &mut matcher::subject::LegalEntity, rng: &mut ChaCha8Rng) -> bool {
    match rng.random_range(0..3) {
        0 => map_field(&mut e.name, str::to_uppercase),
        1 => map_field(&mut e.name, |s| {
            s.replace(" & ", " and ")
                .replace('-', " ")
                .replace(['.', ','], "")
        }),
        _ => map_field(&mut e.name, str::to_lowercase),
    }
}

/// Rewrites the legal form: moved into or out of the name, long form, short variant, or
/// dropped.
fn legal_form(
    e: &mut matcher::subject::LegalEntity,
    t: &crate::population::EntityTruth,
    rng: &mut ChaCha8Rng,
) -> bool {
    let lf = &t.country.forms[t.form.min(t.country.forms.len() - 1)];
    // Find the base name: strip any written form of this legal form from the end.
    let mut base = e.name.clone();
    let written: Vec<&str> = lf.short.iter().copied().chain([lf.long]).collect();
    for w in &written {
        if let Some(stripped) = base.strip_suffix(w) {
            base = stripped.trim_end().trim_end_matches(',').to_string();
            break;
        }
    }
    let before = (e.name.clone(), e.legal_form.clone());
    let short = lf.short[rng.random_range(0..lf.short.len())];
    match rng.random_range(0..5) {
        0 => {
            e.name = base;
            e.legal_form = Some(short.to_string());
        }
        1 => {
            e.name = format!("{base} {short}");
            e.legal_form = None;
        }
        2 => {
            e.name = format!("{base} {}", lf.long);
            e.legal_form = None;
        }
        3 => {
            e.name = base;
            e.legal_form = Some(lf.long.to_string());
        }
        _ => {
            e.name = base;
            e.legal_form = None;
        }
    }
    (e.name.clone(), e.legal_form.clone()) != before
}

fn entity_missing(e: &mut matcher::subject::LegalEntity, rng: &mut ChaCha8Rng) -> bool {
    let mut options: Vec<u8> = Vec::new();
    if e.lei.is_some() {
        options.push(0);
    }
    if e.registration_number.is_some() {
        options.push(1);
    }
    if !e.tax_numbers.is_empty() {
        options.push(2);
    }
    if !e.phones.is_empty() || !e.emails.is_empty() {
        options.push(3);
    }
    if options.is_empty() {
        return false;
    }
    match options[rng.random_range(0..options.len())] {
        0 => e.lei = None,
        1 => {
            e.registration_number = None;
            e.registration_country = None;
        }
        2 => e.tax_numbers.clear(),
        _ => {
            e.phones.clear();
            e.emails.clear();
        }
    }
    true
}

fn entity_ids(e: &mut matcher::subject::LegalEntity, rng: &mut ChaCha8Rng) -> bool {
    let mut options: Vec<u8> = Vec::new();
    if e.lei.is_some() {
        options.push(0);
    }
    if e.registration_number.is_some() {
        options.push(1);
    }
    if !e.phones.is_empty() {
        options.push(2);
    }
    if options.is_empty() {
        return false;
    }
    match options[rng.random_range(0..options.len())] {
        0 => e
            .lei
            .as_mut()
            .is_some_and(|l| map_field(l, |s| ids::iban_printed(&s.to_lowercase()))),
        1 => e.registration_number.as_mut().is_some_and(|r| {
            map_field(r, |s| {
                if s.contains(' ') {
                    s.replace(' ', "")
                } else {
                    s.to_lowercase()
                }
            })
        }),
        _ => e
            .phones
            .first_mut()
            .is_some_and(|ph| map_field(ph, |s| phone_format(s, 2))),
    }
}

/// Another written form of an international phone number.
fn phone_format(s: &str, style: u8) -> String {
    match style {
        1 => s.replace(' ', ""),
        _ => s.replace(' ', "-"),
    }
}

fn identifier_format(record: &mut Record, rng: &mut ChaCha8Rng) -> bool {
    match record {
        Record::Account(a) => {
            let Some(iban) = a.iban.as_mut() else {
                return false;
            };
            let electronic: String = iban.chars().filter(|c| !c.is_whitespace()).collect();
            let style = rng.random_range(0..3);
            map_field(iban, |_| match style {
                0 => ids::iban_printed(&electronic),
                1 => electronic.to_lowercase(),
                _ => ids::iban_printed(&electronic).to_lowercase(),
            }) || map_field(iban, |_| electronic.clone())
        }
        Record::Wallet(w) => map_field(&mut w.chain, |c| match c {
            "bitcoin" => ["BTC", "Bitcoin", "btc"][rng.random_range(0..3)].to_string(),
            "ethereum" => ["ETH", "Ethereum", "eth"][rng.random_range(0..3)].to_string(),
            other => other.to_uppercase(),
        }),
        Record::Vessel(v) => map_field(&mut v.imo, |s| match s.strip_prefix("IMO ") {
            Some(digits) => digits.to_string(),
            None => format!("IMO {s}"),
        }),
        Record::Container(c) => map_field(&mut c.number, |s| {
            let compact: String = s.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            if compact != s || compact.len() != 11 {
                compact
            } else {
                format!("{} {} {}", &compact[..4], &compact[4..10], &compact[10..])
            }
        }),
        Record::Phone(p) => map_field(&mut p.number, |s| {
            phone_format(s, 1 + rng.random_range(0..2))
        }),
        Record::Email(e) => map_field(&mut e.address, str::to_uppercase),
        Record::Aircraft(a) => map_field(&mut a.registration, |s| s.replace('-', "")),
        _ => false,
    }
}

/// Drops diacritics the way a keyboard without them would (`ü` to `u`, `ß` to `ss`,
/// `ł` to `l`, Vietnamese tone marks gone). Non-Latin scripts are left unchanged.
pub(crate) fn strip_diacritics(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'ß' => out.push_str("ss"),
            'Æ' => out.push_str("AE"),
            'æ' => out.push_str("ae"),
            'Œ' => out.push_str("OE"),
            'œ' => out.push_str("oe"),
            _ => out.push(base_letter(c)),
        }
    }
    out
}

fn base_letter(c: char) -> char {
    const MAP: &[(&str, char)] = &[
        ("ÀÁÂÃÄÅĀĂĄẠẢẤẦẨẪẬẮẰẲẴẶ", 'A'),
        ("àáâãäåāăąạảấầẩẫậắằẳẵặ", 'a'),
        ("ÇĆĈĊČ", 'C'),
        ("çćĉċč", 'c'),
        ("ĎĐ", 'D'),
        ("ďđ", 'd'),
        ("ÈÉÊËĒĔĖĘĚẸẺẼẾỀỂỄỆ", 'E'),
        ("èéêëēĕėęěẹẻẽếềểễệ", 'e'),
        ("ĞĜĠĢ", 'G'),
        ("ğĝġģ", 'g'),
        ("ÌÍÎÏĪĬĮİỈỊ", 'I'),
        ("ìíîïīĭįıỉị", 'i'),
        ("Ł", 'L'),
        ("ł", 'l'),
        ("ÑŃŅŇ", 'N'),
        ("ñńņň", 'n'),
        ("ÒÓÔÕÖØŌŎŐƠỌỎỐỒỔỖỘỚỜỞỠỢ", 'O'),
        ("òóôõöøōŏőơọỏốồổỗộớờởỡợ", 'o'),
        ("ŔŘ", 'R'),
        ("ŕř", 'r'),
        ("ŚŜŞŠȘ", 'S'),
        ("śŝşšș", 's'),
        ("ŢŤȚ", 'T'),
        ("ţťț", 't'),
        ("ÙÚÛÜŨŪŬŮŰŲƯỤỦỨỪỬỮỰ", 'U'),
        ("ùúûüũūŭůűųưụủứừửữự", 'u'),
        ("ÝŸỲỴỶỸ", 'Y'),
        ("ýÿỳỵỷỹ", 'y'),
        ("ŹŻŽ", 'Z'),
        ("źżž", 'z'),
    ];
    if c.is_ascii() {
        return c;
    }
    MAP.iter()
        .find(|(set, _)| set.contains(c))
        .map(|(_, b)| *b)
        .unwrap_or(c)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::population::{PairSpec, pair};

    #[test]
    fn diacritics_fold_to_ascii_latin() {
        assert_eq!(
            strip_diacritics("Müller Łukasz Nguyễn Şahin Groß"),
            "Muller Lukasz Nguyen Sahin Gross"
        );
        assert_eq!(strip_diacritics("Иванов"), "Иванов");
    }

    #[test]
    fn typo_spares_the_first_letter_unless_asked() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..500 {
            let mut f = "Schneider".to_string();
            assert!(typo_in_field(&mut f, false, &mut rng, |_| true) || f == "Schneider");
            assert!(f.starts_with('S'), "{f}");
            assert!(f.len().abs_diff(9) <= 1);
        }
    }

    #[test]
    fn each_corruption_applies_to_some_pairs_and_is_recorded() {
        for kind in Corruption::ALL {
            let spec = PairSpec {
                corruption: CorruptionProfile::only(kind),
                ..PairSpec::new(17, 600, 600, 400)
            };
            let p = pair(&spec).expect("valid spec");
            let applied = p.applied.iter().filter(|a| a.contains(&kind)).count();
            assert!(applied > 0, "{} never applied", kind.label());
            for (k, &(i, j)) in p.truth.iter().enumerate() {
                let differs = p.a[i].record != p.b[j].record;
                assert_eq!(
                    differs,
                    !p.applied[k].is_empty(),
                    "{}: pair {k}",
                    kind.label()
                );
            }
        }
    }

    #[test]
    fn transliteration_and_script_rewrite_known_names() {
        let t = PersonTruth {
            script: Script::Cyrillic,
            given: NameEntry {
                latin: vec!["Aleksandr".into(), "Alexander".into()],
                native: Some("Александр".into()),
            },
            middle: None,
            family: vec![NameEntry {
                latin: vec!["Kuznetsov".into(), "Kusnezow".into()],
                native: Some("Кузнецов".into()),
            }],
        };
        let mut p = Person {
            given_name: Some("Aleksandr".into()),
            family_name: Some("Kuznetsov".into()),
            ..Person::default()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert!(transliterate(&t, &mut p, &mut rng));
        assert!(
            p.given_name.as_deref() == Some("Alexander")
                || p.family_name.as_deref() == Some("Kusnezow"),
            "{p:?}"
        );
        assert!(original_script(&t, &mut p));
        assert_eq!(p.family_name.as_deref(), Some("Кузнецов"));
        assert!(original_script(&t, &mut p));
        assert_eq!(p.family_name.as_deref(), Some("Kuznetsov"));
    }
}
