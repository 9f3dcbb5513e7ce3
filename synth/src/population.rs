//! Populations and dataset pairs.
//!
//! A subject is first drawn as a *master*: the record plus the truth behind it (which name
//! entries, which legal form), so corruptions can rewrite it in ways that stay true to the
//! same real-world subject. [`Population`] renders masters one by one from a seeded ChaCha8
//! stream; [`pair`] draws the shared masters once, copies each to both FIUs, corrupts the
//! copies independently, and adds subjects that only one FIU knows.

use chrono::{Days, NaiveDate};
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use matcher::subject::{
    Account, Address, Aircraft, Category, Container, DocumentKind, Email, IdentityDocument,
    LegalEntity, Person, Phone, Record, Subject, TaxNumber, Vessel, Wallet,
};

use crate::corrupt::{self, Corruption, CorruptionProfile};
use crate::entities::{self, EntityCountry};
use crate::identifiers as ids;
use crate::names::{self, Culture, Gender, NameEntry, Script};

/// Shares of subject types in a population. The weights need not sum to one.
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectMix {
    /// Natural persons.
    pub person: f64,
    /// Legal entities.
    pub entity: f64,
    /// Bank accounts.
    pub account: f64,
    /// Crypto-asset wallets.
    pub wallet: f64,
    /// Ships.
    pub vessel: f64,
    /// Aircraft.
    pub aircraft: f64,
    /// Freight containers.
    pub container: f64,
    /// Stand-alone phone numbers.
    pub phone: f64,
    /// Stand-alone e-mail addresses.
    pub email: f64,
}

impl Default for SubjectMix {
    /// Roughly what suspicious transaction reports name: mostly persons, then companies,
    /// accounts and wallets, and a few of everything else.
    fn default() -> Self {
        SubjectMix {
            person: 0.70,
            entity: 0.15,
            account: 0.08,
            wallet: 0.03,
            vessel: 0.005,
            aircraft: 0.002,
            container: 0.008,
            phone: 0.01,
            email: 0.005,
        }
    }
}

impl SubjectMix {
    /// Persons only: for name-matching studies.
    pub fn persons_only() -> Self {
        SubjectMix {
            person: 1.0,
            entity: 0.0,
            account: 0.0,
            wallet: 0.0,
            vessel: 0.0,
            aircraft: 0.0,
            container: 0.0,
            phone: 0.0,
            email: 0.0,
        }
    }

    fn weights(&self) -> [f64; 9] {
        [
            self.person,
            self.entity,
            self.account,
            self.wallet,
            self.vessel,
            self.aircraft,
            self.container,
            self.phone,
            self.email,
        ]
        .map(|w| if w.is_finite() && w > 0.0 { w } else { 0.0 })
    }
}

/// What population to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationSpec {
    /// Seed of the ChaCha8 stream: the same spec always gives the same subjects.
    pub seed: u64,
    /// Number of subjects.
    pub size: usize,
    /// Shares of subject types.
    pub mix: SubjectMix,
    /// Prefix of the local references (`STR` gives `STR-00000001`).
    pub ref_prefix: String,
}

impl PopulationSpec {
    /// `size` subjects of the default mix, local references `STR-...`.
    pub fn new(seed: u64, size: usize) -> Self {
        PopulationSpec {
            seed,
            size,
            mix: SubjectMix::default(),
            ref_prefix: "STR".to_string(),
        }
    }
}

/// Entry point for whole populations.
#[derive(Debug, Clone, Copy)]
pub struct Population;

impl Population {
    /// Every subject of `spec`, in memory.
    pub fn generate(spec: &PopulationSpec) -> Vec<Subject> {
        Population::stream(spec).collect()
    }

    /// The subjects of `spec` one at a time, without holding them: the scale benchmark draws
    /// ten million this way. Yields exactly what [`Population::generate`] returns.
    pub fn stream(spec: &PopulationSpec) -> SubjectStream {
        SubjectStream {
            rng: sub_rng(spec.seed, STREAM_POPULATION),
            mix: spec.mix.clone(),
            prefix: spec.ref_prefix.clone(),
            next: 0,
            size: spec.size,
        }
    }
}

/// A deterministic stream of subjects; see [`Population::stream`].
#[derive(Debug, Clone)]
pub struct SubjectStream {
    rng: ChaCha8Rng,
    mix: SubjectMix,
    prefix: String,
    next: usize,
    size: usize,
}

impl Iterator for SubjectStream {
    type Item = Subject;

    fn next(&mut self) -> Option<Subject> {
        if self.next >= self.size {
            return None;
        }
        self.next += 1;
        let local_ref = format!("{}-{:08}", self.prefix, self.next);
        Some(draw_master(&mut self.rng, &self.mix, local_ref).subject)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.size - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for SubjectStream {}

/// What dataset pair to generate: two FIUs' populations with a known overlap.
#[derive(Debug, Clone, PartialEq)]
pub struct PairSpec {
    /// Seed of every random choice.
    pub seed: u64,
    /// Subjects of FIU A.
    pub size_a: usize,
    /// Subjects of FIU B.
    pub size_b: usize,
    /// Real-world subjects that both FIUs hold (each copy corrupted independently).
    pub shared: usize,
    /// How the two copies of a shared subject differ.
    pub corruption: CorruptionProfile,
    /// Shares of subject types.
    pub mix: SubjectMix,
}

impl PairSpec {
    /// A pair with the default mix and the realistic corruption profile.
    pub fn new(seed: u64, size_a: usize, size_b: usize, shared: usize) -> Self {
        PairSpec {
            seed,
            size_a,
            size_b,
            shared,
            corruption: CorruptionProfile::default(),
            mix: SubjectMix::default(),
        }
    }
}

/// Two FIUs' subjects and the truth about which are the same.
#[derive(Debug, Clone)]
pub struct DatasetPair {
    /// FIU A's subjects (local references `A-...`).
    pub a: Vec<Subject>,
    /// FIU B's subjects (local references `B-...`).
    pub b: Vec<Subject>,
    /// `(index in a, index in b)` of every shared subject, sorted by the index in `a`.
    pub truth: Vec<(usize, usize)>,
    /// The corruptions applied to each truth pair (same order as `truth`); empty when the
    /// two copies are identical.
    pub applied: Vec<Vec<Corruption>>,
}

/// Why a pair cannot be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PairError {
    /// More shared subjects than one of the sides holds.
    #[error("{shared} shared subjects do not fit in sides of {size_a} and {size_b}")]
    SharedTooLarge {
        /// Requested shared subjects.
        shared: usize,
        /// Size of side A.
        size_a: usize,
        /// Size of side B.
        size_b: usize,
    },
}

/// Generates a dataset pair.
pub fn pair(spec: &PairSpec) -> Result<DatasetPair, PairError> {
    if spec.shared > spec.size_a || spec.shared > spec.size_b {
        return Err(PairError::SharedTooLarge {
            shared: spec.shared,
            size_a: spec.size_a,
            size_b: spec.size_b,
        });
    }
    let mut rng_shared = sub_rng(spec.seed, STREAM_SHARED);
    let mut rng_corrupt = sub_rng(spec.seed, STREAM_CORRUPT);
    let mut rng_a = sub_rng(spec.seed, STREAM_A);
    let mut rng_b = sub_rng(spec.seed, STREAM_B);
    let mut rng_order = sub_rng(spec.seed, STREAM_ORDER);

    let mut a = Vec::with_capacity(spec.size_a);
    let mut b = Vec::with_capacity(spec.size_b);
    let mut applied_by_shared = Vec::with_capacity(spec.shared);
    for _ in 0..spec.shared {
        let master = draw_master(&mut rng_shared, &spec.mix, String::new());
        let mut copy_a = master.subject.clone();
        let mut copy_b = master.subject.clone();
        let applied = corrupt::corrupt_pair(
            &master.truth,
            &mut copy_a,
            &mut copy_b,
            &spec.corruption,
            &mut rng_corrupt,
        );
        a.push(copy_a);
        b.push(copy_b);
        applied_by_shared.push(applied);
    }
    for _ in spec.shared..spec.size_a {
        a.push(draw_master(&mut rng_a, &spec.mix, String::new()).subject);
    }
    for _ in spec.shared..spec.size_b {
        b.push(draw_master(&mut rng_b, &spec.mix, String::new()).subject);
    }

    // Shuffle each side; position_x[i] is where the i-th generated subject ended up.
    let order_a = permutation(spec.size_a, &mut rng_order);
    let order_b = permutation(spec.size_b, &mut rng_order);
    let a = place(a, &order_a, "A");
    let b = place(b, &order_b, "B");
    let mut truth: Vec<((usize, usize), Vec<Corruption>)> = applied_by_shared
        .into_iter()
        .enumerate()
        .map(|(i, applied)| ((order_a[i], order_b[i]), applied))
        .collect();
    truth.sort_by_key(|(t, _)| *t);
    let (truth, applied) = truth.into_iter().unzip();
    Ok(DatasetPair {
        a,
        b,
        truth,
        applied,
    })
}

/// A random permutation: entry `i` is the new position of item `i`.
fn permutation(n: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    p.shuffle(rng);
    p
}

/// Puts each subject at its new position and numbers the local references in that order.
fn place(subjects: Vec<Subject>, order: &[usize], prefix: &str) -> Vec<Subject> {
    let mut slots: Vec<Option<Subject>> = vec![None; subjects.len()];
    for (subject, &pos) in subjects.into_iter().zip(order) {
        slots[pos] = Some(subject);
    }
    slots
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, mut s)| {
            s.local_ref = format!("{prefix}-{:07}", i + 1);
            s
        })
        .collect()
}

const STREAM_POPULATION: u64 = 0;
const STREAM_SHARED: u64 = 1;
const STREAM_CORRUPT: u64 = 2;
const STREAM_A: u64 = 3;
const STREAM_B: u64 = 4;
const STREAM_ORDER: u64 = 5;

/// An independent ChaCha8 stream per purpose, so that changing one side's size does not
/// change the shared subjects or the other side.
fn sub_rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// A subject with the truth behind it.
#[derive(Debug, Clone)]
pub(crate) struct Master {
    pub subject: Subject,
    pub truth: Truth,
}

/// What a corruption needs to know beyond the written record.
#[derive(Debug, Clone)]
pub(crate) enum Truth {
    Person(PersonTruth),
    Entity(EntityTruth),
    Other,
}

/// The name entries a person's record was written from.
#[derive(Debug, Clone)]
pub(crate) struct PersonTruth {
    pub script: Script,
    pub given: NameEntry,
    pub middle: Option<NameEntry>,
    /// One family name, or two (Spanish paternal and maternal).
    pub family: Vec<NameEntry>,
}

/// The parts of an entity's name.
#[derive(Debug, Clone)]
pub(crate) struct EntityTruth {
    pub country: &'static EntityCountry,
    /// Index into the country's legal forms.
    pub form: usize,
}

fn draw_category(rng: &mut ChaCha8Rng) -> Category {
    match rng.random_range(0..100) {
        0..55 => Category::Suspect,
        55..85 => Category::Associate,
        85..92 => Category::Victim,
        92..95 => Category::Witness,
        _ => Category::Other,
    }
}

pub(crate) fn draw_master(rng: &mut ChaCha8Rng, mix: &SubjectMix, local_ref: String) -> Master {
    let weights = mix.weights();
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    let mut kind = 0;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            kind = i;
            break;
        }
        x -= w;
    }
    let category = draw_category(rng);
    let (record, truth) = match kind {
        0 => {
            let (p, t) = draw_person(rng);
            (Record::Person(p), Truth::Person(t))
        }
        1 => {
            let (e, t) = draw_entity(rng);
            (Record::Entity(e), Truth::Entity(t))
        }
        2 => (Record::Account(draw_account(rng)), Truth::Other),
        3 => (Record::Wallet(draw_wallet(rng)), Truth::Other),
        4 => (
            Record::Vessel(Vessel {
                imo: if rng.random_bool(0.5) {
                    format!("IMO {}", ids::imo(rng))
                } else {
                    ids::imo(rng)
                },
                name: Some(format!(
                    "{} {}",
                    ["MV", "MT", "MSC", "SS"][rng.random_range(0..4)],
                    entities::draw_name(entities::draw_country(rng), rng)
                )),
            }),
            Truth::Other,
        ),
        5 => (
            Record::Aircraft(Aircraft {
                registration: ids::aircraft(rng),
            }),
            Truth::Other,
        ),
        6 => {
            let n = ids::container(rng);
            let number = if rng.random_bool(0.4) {
                format!("{} {} {}", &n[..4], &n[4..10], &n[10..])
            } else {
                n
            };
            (Record::Container(Container { number }), Truth::Other)
        }
        7 => {
            let country = names::draw_culture(rng).countries[0];
            (
                Record::Phone(Phone {
                    number: ids::phone(country, rng),
                }),
                Truth::Other,
            )
        }
        _ => {
            let c = names::draw_culture(rng);
            let given = c.given_m.draw(rng).map(|e| e.primary().to_string());
            let family = c.draw_family(rng);
            (
                Record::Email(Email {
                    address: ids::person_email(
                        given.as_deref().unwrap_or(""),
                        family.primary(),
                        rng,
                    ),
                }),
                Truth::Other,
            )
        }
    };
    Master {
        subject: Subject {
            local_ref,
            category,
            expires: None,
            record,
        },
        truth,
    }
}

/// Picks how a record writes one name entry: mostly the usual form, sometimes a variant.
fn written(entry: &NameEntry, rng: &mut ChaCha8Rng) -> String {
    if entry.latin.len() > 1 && rng.random_bool(0.15) {
        entry.latin[rng.random_range(1..entry.latin.len())].clone()
    } else {
        entry.primary().to_string()
    }
}

fn native_or_latin(entry: &NameEntry) -> String {
    entry
        .native
        .clone()
        .unwrap_or_else(|| entry.primary().to_string())
}

fn draw_person(rng: &mut ChaCha8Rng) -> (Person, PersonTruth) {
    let culture: &Culture = names::draw_culture(rng);
    let gender = if rng.random_bool(0.5) {
        Gender::Male
    } else {
        Gender::Female
    };
    let (given_pool, middle_pool) = match gender {
        Gender::Male => (&culture.given_m, &culture.middle_m),
        Gender::Female => (&culture.given_f, &culture.middle_f),
    };
    let fallback = || NameEntry {
        latin: vec!["Alex".to_string()],
        native: None,
    };
    let given = given_pool.draw(rng).cloned().unwrap_or_else(fallback);
    let middle = if rng.random_bool(culture.middle_rate) {
        let pool = if middle_pool.is_empty() {
            given_pool
        } else {
            middle_pool
        };
        pool.draw(rng)
            .filter(|m| m.primary() != given.primary())
            .cloned()
    } else {
        None
    };
    let mut family = vec![culture.draw_family(rng)];
    if rng.random_bool(culture.double_family_rate) {
        let second = culture.draw_family(rng);
        if second.primary() != family[0].primary() {
            family.push(second);
        }
    }
    if gender == Gender::Female {
        family = family
            .iter()
            .map(|f| names::feminine(f, culture.code))
            .collect();
    }

    // How this record writes the names: in original script for some records of cultures
    // that have one, otherwise Latin with the occasional variant spelling.
    let native_record = culture.script != Script::Latin && rng.random_bool(0.08);
    let render = |e: &NameEntry, rng: &mut ChaCha8Rng| {
        if native_record {
            native_or_latin(e)
        } else {
            written(e, rng)
        }
    };
    let given_name = render(&given, rng);
    let middle_name = middle.as_ref().map(|m| render(m, rng));
    let family_name = family
        .iter()
        .map(|f| render(f, rng))
        .collect::<Vec<_>>()
        .join(" ");
    let original_script_name =
        (culture.script != Script::Latin && !native_record && rng.random_bool(0.25)).then(|| {
            let g = native_or_latin(&given);
            let f = family
                .iter()
                .map(native_or_latin)
                .collect::<Vec<_>>()
                .join(" ");
            match (culture.script, &middle) {
                _ if culture.family_first => format!("{f}{g}"),
                (_, Some(m)) => format!("{g} {} {f}", native_or_latin(m)),
                (_, None) => format!("{g} {f}"),
            }
        });

    let birth = draw_birth_date(rng);
    let birth_date = match rng.random_range(0..100) {
        0..95 => birth.format("%Y-%m-%d").to_string(),
        95..98 => birth.format("%Y-%m").to_string(),
        _ => birth.format("%Y").to_string(),
    };
    let pick_country = |rng: &mut ChaCha8Rng| {
        culture.countries[rng.random_range(0..culture.countries.len())].to_string()
    };
    let birth_country = pick_country(rng);
    let mut nationalities = vec![if rng.random_bool(0.85) {
        birth_country.clone()
    } else {
        pick_country(rng)
    }];
    if rng.random_bool(0.1) {
        let second = pick_country(rng);
        if !nationalities.contains(&second) {
            nationalities.push(second);
        }
    }
    let nationality = nationalities[0].clone();
    let mut documents = Vec::new();
    if rng.random_bool(0.45) {
        documents.push(IdentityDocument {
            kind: DocumentKind::Passport,
            number: ids::passport(&nationality, rng),
            country: Some(nationality.clone()),
        });
    }
    if rng.random_bool(0.12) {
        documents.push(IdentityDocument {
            kind: DocumentKind::NationalId,
            number: ids::national_id(&nationality, rng),
            country: Some(nationality.clone()),
        });
    }
    let phones = if rng.random_bool(0.3) {
        vec![ids::phone(&nationality, rng)]
    } else {
        Vec::new()
    };
    let emails = if rng.random_bool(0.2) {
        vec![ids::person_email(
            given.primary(),
            family.first().map(NameEntry::primary).unwrap_or(""),
            rng,
        )]
    } else {
        Vec::new()
    };
    let person = Person {
        given_name: Some(given_name),
        middle_name,
        family_name: Some(family_name),
        original_script_name,
        birth_date: Some(birth_date),
        birth_country: Some(birth_country),
        nationalities,
        documents,
        phones,
        emails,
        ..Person::default()
    };
    let truth = PersonTruth {
        script: culture.script,
        given,
        middle,
        family,
    };
    (person, truth)
}

/// A date of birth between 1940 and 2006, uniformly.
fn draw_birth_date(rng: &mut ChaCha8Rng) -> NaiveDate {
    let start = NaiveDate::from_ymd_opt(1940, 1, 1).unwrap_or_default();
    let days = rng.random_range(0..(67 * 365 + 16));
    start.checked_add_days(Days::new(days)).unwrap_or(start)
}

fn draw_entity(rng: &mut ChaCha8Rng) -> (LegalEntity, EntityTruth) {
    let country = entities::draw_country(rng);
    let base = entities::draw_name(country, rng);
    let form = if rng.random_bool(0.7) || country.forms.len() < 2 {
        0
    } else {
        rng.random_range(1..country.forms.len())
    };
    let lf = &country.forms[form];
    let short = lf.short[0];
    let (name, legal_form) = match rng.random_range(0..100) {
        0..50 => (base.clone(), Some(short.to_string())),
        50..85 => (format!("{base} {short}"), None),
        85..95 => (format!("{base} {}", lf.long), None),
        _ => (base.clone(), None),
    };
    let code = country.code;
    let registration_number = rng.random_bool(0.7).then(|| ids::registration(code, rng));
    let registration_country = registration_number.as_ref().map(|_| code.to_string());
    let lei = rng.random_bool(0.35).then(|| ids::lei(rng));
    let tax_numbers = if rng.random_bool(0.25) {
        vec![TaxNumber {
            number: ids::vat(code, rng),
            country: Some(code.to_string()),
        }]
    } else {
        Vec::new()
    };
    let phones = if rng.random_bool(0.2) {
        vec![ids::phone(code, rng)]
    } else {
        Vec::new()
    };
    let emails = if rng.random_bool(0.15) {
        let slug = ids::email_local(&base);
        let n = rng.random_range(1..1000);
        vec![format!(
            "{}@{slug}{n}.com",
            ["info", "office", "contact", "sales"][rng.random_range(0..4)]
        )]
    } else {
        Vec::new()
    };
    let addresses = if rng.random_bool(0.85) {
        vec![Address {
            city: Some(entities::draw_city(code, rng).to_string()),
            country: Some(code.to_string()),
            ..Address::default()
        }]
    } else {
        Vec::new()
    };
    let entity = LegalEntity {
        name,
        addresses,
        legal_form,
        registration_number,
        registration_country,
        lei,
        tax_numbers,
        phones,
        emails,
        ..LegalEntity::default()
    };
    (entity, EntityTruth { country, form })
}

fn draw_account(rng: &mut ChaCha8Rng) -> Account {
    if rng.random_bool(0.95) {
        let country = ids::iban_country(rng);
        let iban = ids::iban(country, rng);
        let iban = if rng.random_bool(0.25) {
            ids::iban_printed(&iban)
        } else {
            iban
        };
        let holder = if rng.random_bool(0.6) {
            let c = names::draw_culture(rng);
            let g = c.given_m.draw(rng).map(|e| e.primary().to_string());
            Some(format!(
                "{} {}",
                g.unwrap_or_default(),
                c.draw_family(rng).primary()
            ))
        } else {
            None
        };
        Account {
            iban: Some(iban),
            holder,
            ..Account::default()
        }
    } else {
        const BANKS: &[(&str, &str)] = &[
            ("CHASUS33", "US"),
            ("BOFAUS3N", "US"),
            ("CITIUS33", "US"),
            ("HSBCHKHH", "HK"),
            ("BKCHCNBJ", "CN"),
            ("NBADAEAA", "AE"),
        ];
        let (bic, country) = BANKS[rng.random_range(0..BANKS.len())];
        Account {
            number: Some(ids::fill("%#########", rng)),
            institution: Some(bic.to_string()),
            country: Some(country.to_string()),
            ..Account::default()
        }
    }
}

fn draw_wallet(rng: &mut ChaCha8Rng) -> Wallet {
    if rng.random_bool(0.55) {
        Wallet {
            chain: "bitcoin".to_string(),
            address: ids::bitcoin(rng),
        }
    } else {
        Wallet {
            chain: "ethereum".to_string(),
            address: ids::ethereum(rng),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn same_seed_same_population_and_stream_equals_generate() {
        let spec = PopulationSpec::new(42, 2_000);
        let a = Population::generate(&spec);
        let b: Vec<Subject> = Population::stream(&spec).collect();
        assert_eq!(a, b);
        assert_eq!(a.len(), 2_000);
        let other = Population::generate(&PopulationSpec::new(43, 2_000));
        assert_ne!(a, other);
        assert_eq!(Population::stream(&spec).len(), 2_000);
    }

    #[test]
    fn mix_is_roughly_respected_and_common_names_repeat() {
        let subjects = Population::generate(&PopulationSpec::new(1, 20_000));
        let mut types: HashMap<&str, usize> = HashMap::new();
        let mut families: HashMap<String, usize> = HashMap::new();
        for s in &subjects {
            *types.entry(s.record.type_name()).or_default() += 1;
            if let Record::Person(p) = &s.record {
                if let Some(f) = &p.family_name {
                    *families.entry(f.clone()).or_default() += 1;
                }
            }
        }
        let persons = types.get("person").copied().unwrap_or(0) as f64 / 20_000.0;
        assert!((0.66..0.74).contains(&persons), "{persons}");
        assert!(types.get("entity").copied().unwrap_or(0) > 2_500);
        let most = families.values().max().copied().unwrap_or(0);
        assert!(
            most > 100,
            "the most common family name appears {most} times"
        );
        assert!(
            families.len() > 2_000,
            "{} distinct family names",
            families.len()
        );
    }

    #[test]
    fn pair_truth_points_at_the_same_subject() {
        let spec = PairSpec {
            corruption: CorruptionProfile::none(),
            ..PairSpec::new(5, 3_000, 2_000, 700)
        };
        let p = pair(&spec).expect("valid spec");
        assert_eq!(p.a.len(), 3_000);
        assert_eq!(p.b.len(), 2_000);
        assert_eq!(p.truth.len(), 700);
        assert_eq!(p.applied.len(), 700);
        for &(i, j) in &p.truth {
            assert_eq!(p.a[i].record, p.b[j].record, "uncorrupted copies are equal");
        }
        let mut seen_a: Vec<usize> = p.truth.iter().map(|t| t.0).collect();
        seen_a.dedup();
        assert_eq!(seen_a.len(), 700, "sorted and unique");
        assert!(
            p.a.iter()
                .enumerate()
                .all(|(i, s)| s.local_ref == format!("A-{:07}", i + 1))
        );
    }

    #[test]
    fn pair_is_deterministic_and_checks_its_spec() {
        let spec = PairSpec::new(9, 500, 400, 100);
        let p1 = pair(&spec).expect("valid spec");
        let p2 = pair(&spec).expect("valid spec");
        assert_eq!(p1.a, p2.a);
        assert_eq!(p1.b, p2.b);
        assert_eq!(p1.truth, p2.truth);
        assert!(matches!(
            pair(&PairSpec::new(9, 50, 400, 100)),
            Err(PairError::SharedTooLarge { .. })
        ));
    }
}

#[cfg(test)]
mod matcher_validation {
    use std::collections::BTreeMap;

    use matcher::keys::{KeyOptions, derive};

    use super::*;

    /// Every value the generator makes, clean or corrupted, passes the matcher's validators:
    /// a refused value would be a generator bug that the benchmark would blame on the recipe.
    #[test]
    fn matcher_refuses_nothing_generated() {
        // SYNTH_VALIDATION_SIZE raises the sample (for instance to 100000 in release).
        let size: usize = std::env::var("SYNTH_VALIDATION_SIZE")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1_000);
        let mut refused: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut check = |s: &Subject| {
            for r in derive(s, &KeyOptions::default()).refused {
                let entry = refused
                    .entry(format!("{}: {}", r.field, r.error))
                    .or_default();
                if entry.len() < 3 {
                    entry.push(serde_json::to_string(&s.record).unwrap_or_default());
                }
            }
        };
        Population::stream(&PopulationSpec::new(3, size)).for_each(|s| check(&s));
        let p = pair(&PairSpec::new(4, size, size, size)).expect("valid spec");
        p.a.iter().chain(&p.b).for_each(&mut check);
        for kind in Corruption::ALL {
            let spec = PairSpec {
                corruption: CorruptionProfile::only(kind),
                ..PairSpec::new(5, size / 10, size / 10, size / 10)
            };
            let p = pair(&spec).expect("valid spec");
            p.a.iter().chain(&p.b).for_each(&mut check);
        }
        assert!(refused.is_empty(), "{refused:#?}");
    }
}
