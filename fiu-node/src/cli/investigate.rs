//! The investigator's `lookup`, `hits` and `stats`.

use std::io::Read;
use std::path::Path;

use clap::{Args, ValueEnum};
use fiu_proto::limits;
use fiu_proto::v1;
use matcher::subject::{
    Account, Aircraft, Container, DocumentKind, Email, IdentityDocument, LegalEntity, Person,
    Phone, Record, Subject, Vessel, Wallet,
};
use serde_json::{Value, json};
use tokio_stream::StreamExt;

use super::client::{self, ClientOpts, Table};
use super::{CliError, Outcome};
use crate::auth::Role;

/// Largest `--subject` file read: one subject is a few KiB.
pub const MAX_SUBJECT_FILE_BYTES: u64 = 1024 * 1024;

/// `fiu-node lookup`
#[derive(Debug, Args)]
pub struct LookupArgs {
    /// The case reference the look-up is made for (required, logged).
    #[arg(long = "case", value_name = "REF")]
    pub case_reference: String,
    /// Why you look (required, logged).
    #[arg(long, value_name = "TEXT")]
    pub purpose: String,
    /// A file (or `-` for stdin) holding one subject in the JSON-lines form, e.g.
    /// `{"type":"account","iban":"DE89 3704 0044 0532 0130 00"}` (`local_ref` and `category`
    /// may be left out). Instead of the flags below.
    #[arg(long, value_name = "FILE_OR_-")]
    pub subject: Option<String>,
    /// The subject, from flags.
    #[command(flatten)]
    pub flags: SubjectFlags,
}

/// A look-up subject from flags. Person flags make a person; entity flags an entity; and so
/// on. `--phone` and `--email` belong to the person or entity when there is one and are a
/// subject of their own otherwise.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Subject (instead of --subject)")]
pub struct SubjectFlags {
    /// Person: given name(s).
    #[arg(long, value_name = "NAME")]
    pub given: Option<String>,
    /// Person: middle name(s).
    #[arg(long, value_name = "NAME")]
    pub middle: Option<String>,
    /// Person: family name.
    #[arg(long, value_name = "NAME")]
    pub family: Option<String>,
    /// Person: another full name (repeatable).
    #[arg(long, value_name = "NAME")]
    pub alias: Vec<String>,
    /// Person: date of birth (full, year-month or year).
    #[arg(long, value_name = "DATE")]
    pub dob: Option<String>,
    /// Person: country of birth (ISO 3166).
    #[arg(long, value_name = "CC")]
    pub birth_country: Option<String>,
    /// Person: nationality (ISO 3166, repeatable).
    #[arg(long, value_name = "CC")]
    pub nationality: Vec<String>,
    /// Person: passport number (with --document-country).
    #[arg(long, value_name = "NUMBER")]
    pub passport: Option<String>,
    /// Person: national identity card number (with --document-country).
    #[arg(long, value_name = "NUMBER")]
    pub national_id: Option<String>,
    /// Person: the issuing country of --passport / --national-id (ISO 3166).
    #[arg(long, value_name = "CC")]
    pub document_country: Option<String>,
    /// Entity: registered name.
    #[arg(long, value_name = "NAME")]
    pub entity: Option<String>,
    /// Entity: Legal Entity Identifier.
    #[arg(long, value_name = "LEI")]
    pub lei: Option<String>,
    /// Entity: company-register number (with --registration-country).
    #[arg(long, value_name = "NUMBER")]
    pub registration: Option<String>,
    /// Entity: country of the register (ISO 3166).
    #[arg(long, value_name = "CC")]
    pub registration_country: Option<String>,
    /// Account: IBAN.
    #[arg(long, value_name = "IBAN")]
    pub iban: Option<String>,
    /// Account: national account number (with --institution).
    #[arg(long, value_name = "NUMBER")]
    pub account: Option<String>,
    /// Account: BIC or national bank code of --account.
    #[arg(long, value_name = "CODE")]
    pub institution: Option<String>,
    /// Wallet: address (with --chain).
    #[arg(long, value_name = "ADDRESS", requires = "chain")]
    pub wallet: Option<String>,
    /// Wallet: chain (`bitcoin`, `ethereum`, ...).
    #[arg(long, value_name = "CHAIN", requires = "wallet")]
    pub chain: Option<String>,
    /// Vessel: IMO number.
    #[arg(long, value_name = "IMO")]
    pub imo: Option<String>,
    /// Aircraft: registration mark.
    #[arg(long, value_name = "MARK")]
    pub aircraft: Option<String>,
    /// Container: ISO 6346 number.
    #[arg(long, value_name = "NUMBER")]
    pub container: Option<String>,
    /// Phone number (of the person or entity, or on its own).
    #[arg(long, value_name = "NUMBER")]
    pub phone: Option<String>,
    /// E-mail address (of the person or entity, or on its own).
    #[arg(long, value_name = "ADDRESS")]
    pub email: Option<String>,
}

impl SubjectFlags {
    /// Whether no subject flag was given.
    pub fn is_empty(&self) -> bool {
        let SubjectFlags {
            given,
            middle,
            family,
            alias,
            dob,
            birth_country,
            nationality,
            passport,
            national_id,
            document_country,
            entity,
            lei,
            registration,
            registration_country,
            iban,
            account,
            institution,
            wallet,
            chain,
            imo,
            aircraft,
            container,
            phone,
            email,
        } = self;
        alias.is_empty()
            && nationality.is_empty()
            && [
                given,
                middle,
                family,
                dob,
                birth_country,
                passport,
                national_id,
                document_country,
                entity,
                lei,
                registration,
                registration_country,
                iban,
                account,
                institution,
                wallet,
                chain,
                imo,
                aircraft,
                container,
                phone,
                email,
            ]
            .iter()
            .all(|o| o.is_none())
    }

    /// The record the flags describe; an error when they describe none or several.
    pub fn to_record(&self) -> Result<Record, CliError> {
        let person = self.given.is_some()
            || self.middle.is_some()
            || self.family.is_some()
            || !self.alias.is_empty()
            || self.dob.is_some()
            || self.birth_country.is_some()
            || !self.nationality.is_empty()
            || self.passport.is_some()
            || self.national_id.is_some()
            || self.document_country.is_some();
        let entity = self.entity.is_some()
            || self.lei.is_some()
            || self.registration.is_some()
            || self.registration_country.is_some();
        let account = self.iban.is_some() || self.account.is_some() || self.institution.is_some();
        let mut kinds: Vec<&str> = Vec::new();
        for (present, name) in [
            (person, "person (--given, --family, --dob, ...)"),
            (entity, "entity (--entity, --lei, --registration)"),
            (account, "account (--iban, --account)"),
            (self.wallet.is_some(), "wallet (--wallet)"),
            (self.imo.is_some(), "vessel (--imo)"),
            (self.aircraft.is_some(), "aircraft (--aircraft)"),
            (self.container.is_some(), "container (--container)"),
        ] {
            if present {
                kinds.push(name);
            }
        }
        let owned = |o: &Option<String>| o.clone();
        let list = |o: &Option<String>| o.iter().cloned().collect::<Vec<_>>();
        match kinds.as_slice() {
            [] => match (&self.phone, &self.email) {
                (Some(p), None) => Ok(Record::Phone(Phone { number: p.clone() })),
                (None, Some(e)) => Ok(Record::Email(Email { address: e.clone() })),
                (Some(_), Some(_)) => Err(CliError::bad(
                    "--phone",
                    "with --email describes two subjects; look up one at a time",
                )),
                (None, None) => Err(CliError::bad(
                    "lookup",
                    "give the subject: --subject FILE, or flags such as --family/--dob, --iban, --lei",
                )),
            },
            [_] if person => {
                let mut documents = Vec::new();
                for (number, kind) in [
                    (&self.passport, DocumentKind::Passport),
                    (&self.national_id, DocumentKind::NationalId),
                ] {
                    if let Some(n) = number {
                        documents.push(IdentityDocument {
                            kind,
                            number: n.clone(),
                            country: owned(&self.document_country),
                        });
                    }
                }
                Ok(Record::Person(Person {
                    given_name: owned(&self.given),
                    middle_name: owned(&self.middle),
                    family_name: owned(&self.family),
                    aliases: self.alias.clone(),
                    birth_date: owned(&self.dob),
                    birth_country: owned(&self.birth_country),
                    nationalities: self.nationality.clone(),
                    documents,
                    phones: list(&self.phone),
                    emails: list(&self.email),
                    ..Person::default()
                }))
            }
            [_] if entity => Ok(Record::Entity(LegalEntity {
                name: self.entity.clone().unwrap_or_default(),
                lei: owned(&self.lei),
                registration_number: owned(&self.registration),
                registration_country: owned(&self.registration_country),
                phones: list(&self.phone),
                emails: list(&self.email),
                ..LegalEntity::default()
            })),
            [_] if self.phone.is_some() || self.email.is_some() => Err(CliError::bad(
                "--phone/--email",
                "belong to a person or an entity; look up a phone or e-mail on its own without other flags",
            )),
            [_] if account => Ok(Record::Account(Account {
                iban: owned(&self.iban),
                number: owned(&self.account),
                institution: owned(&self.institution),
                ..Account::default()
            })),
            [_] => Ok(
                match (
                    &self.wallet,
                    &self.chain,
                    &self.imo,
                    &self.aircraft,
                    &self.container,
                ) {
                    (Some(address), chain, ..) => Record::Wallet(Wallet {
                        chain: chain.clone().unwrap_or_default(),
                        address: address.clone(),
                    }),
                    (_, _, Some(imo), ..) => Record::Vessel(Vessel {
                        imo: imo.clone(),
                        name: None,
                    }),
                    (_, _, _, Some(registration), _) => Record::Aircraft(Aircraft {
                        registration: registration.clone(),
                    }),
                    (_, _, _, _, Some(number)) => Record::Container(Container {
                        number: number.clone(),
                    }),
                    _ => {
                        return Err(CliError::Internal(
                            "subject flags: no record type matched".into(),
                        ));
                    }
                },
            ),
            many => Err(CliError::bad(
                "lookup",
                format!(
                    "the flags describe {} subjects ({}); look up one subject at a time",
                    many.len(),
                    many.join(", ")
                ),
            )),
        }
    }
}

/// Reads a `--subject` file (or stdin) holding one subject in the JSON-lines form.
pub fn read_subject(arg: &str) -> Result<Subject, CliError> {
    let mut text = String::new();
    if arg == "-" {
        std::io::stdin()
            .take(MAX_SUBJECT_FILE_BYTES)
            .read_to_string(&mut text)
            .map_err(|e| CliError::io(Path::new("<stdin>"), e))?;
    } else {
        let path = Path::new(arg);
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_SUBJECT_FILE_BYTES).read_to_string(&mut text))
            .map_err(|e| CliError::io(path, e))?;
    }
    parse_subject(&text, if arg == "-" { "<stdin>" } else { arg })
}

/// Parses one subject in the JSON-lines form; `local_ref` and `category` may be absent.
/// Errors name the position and serde's reason, never a value.
pub fn parse_subject(text: &str, origin: &str) -> Result<Subject, CliError> {
    let bad = |e: &serde_json::Error| {
        let reason = crate::import::jsonl::sanitize_serde_message(e);
        // Errors from the parsed value (a wrong type) have no position in the text.
        let at = if e.line() > 0 {
            format!("line {}, column {}: ", e.line(), e.column())
        } else {
            String::new()
        };
        CliError::bad("--subject", format!("{origin}: {at}{reason}"))
    };
    let mut value: Value = serde_json::from_str(text.trim()).map_err(|e| bad(&e))?;
    let Value::Object(map) = &mut value else {
        return Err(CliError::bad(
            "--subject",
            format!("{origin}: not a JSON object"),
        ));
    };
    map.entry("local_ref")
        .or_insert_with(|| Value::String("lookup".into()));
    map.entry("category")
        .or_insert_with(|| Value::String("other".into()));
    serde_json::from_value(value).map_err(|e| bad(&e))
}

/// Runs a look-up and prints, per peer, the key kinds, strength and confidence.
pub async fn lookup(args: LookupArgs, opts: &ClientOpts) -> Result<Outcome, CliError> {
    let record = match &args.subject {
        Some(arg) => {
            if !args.flags.is_empty() {
                return Err(CliError::bad(
                    "--subject",
                    "give either --subject or subject flags, not both",
                ));
            }
            read_subject(arg)?.record
        }
        None => args.flags.to_record()?,
    };
    let subject = Subject {
        local_ref: String::new(),
        category: matcher::Category::Other,
        expires: None,
        record,
    };
    let mut wire = v1::Subject::from(&subject);
    wire.category = v1::Category::Unspecified as i32;
    let request = v1::LookupRequest {
        subject: Some(wire),
        case_reference: args.case_reference.clone(),
        purpose: args.purpose.clone(),
    };
    let req = opts.request(request, Role::Investigator)?;
    let answer = client::investigator(opts)
        .await?
        .lookup(req)
        .await?
        .into_inner();
    if opts.json {
        client::print_json(&json!({
            "peers_probed": answer.peers_probed,
            "hits": answer.hits.iter().map(|h| json!({
                "peer": h.peer,
                "key_kinds": h.key_kinds,
                "strength": client::strength_word(h.strength),
                "confidence": h.confidence,
                "epoch": h.epoch,
            })).collect::<Vec<_>>(),
            "refused": answer.refused.iter().map(|e| json!({"field": e.field, "reason": e.reason})).collect::<Vec<_>>(),
        }));
        return Ok(Outcome::Success);
    }
    if answer.hits.is_empty() {
        let note = if answer.peers_probed == 0 {
            " (this node holds no peer filter yet)"
        } else {
            ""
        };
        println!("no hit at any of {} peers{note}", answer.peers_probed);
    } else {
        println!(
            "hit at {} of {} peers:",
            answer.hits.len(),
            answer.peers_probed
        );
        let mut t = Table::new(&["PEER", "STRENGTH", "CONFIDENCE", "KEY KINDS"]);
        for h in &answer.hits {
            t.row(vec![
                h.peer.clone(),
                client::strength_word(h.strength).to_owned(),
                format!("{:.3}", h.confidence),
                h.key_kinds.join(", "),
            ]);
        }
        t.print();
    }
    for e in &answer.refused {
        println!("left out: {}: {}", e.field, e.reason);
    }
    Ok(Outcome::Success)
}

/// `fiu-node hits`
#[derive(Debug, Args)]
pub struct HitsArgs {
    /// Only hits at this peer (member id).
    #[arg(long, value_name = "MEMBER")]
    pub peer: Option<String>,
    /// Only hits in which this key kind hit (e.g. `iban`, `person_name_dob`).
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    /// Only hits with at least this confidence (0 to 1).
    #[arg(long, value_name = "C")]
    pub min_confidence: Option<f64>,
    /// Only hits of this local subject.
    #[arg(long, value_name = "REF")]
    pub local_ref: Option<String>,
    /// Only hits last seen at or after this time (RFC 3339, or a date). With --watch, the
    /// stored ones since then come first.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only hits first seen before this time (not with --watch).
    #[arg(long, value_name = "TIME", conflicts_with = "watch")]
    pub until: Option<String>,
    /// Keep printing new and updated hits until Ctrl-C.
    #[arg(long)]
    pub watch: bool,
}

/// Lists (all pages) or watches hits.
pub async fn hits(args: HitsArgs, opts: &ClientOpts) -> Result<Outcome, CliError> {
    if let Some(c) = args.min_confidence
        && !(0.0..=1.0).contains(&c)
    {
        return Err(CliError::bad("--min-confidence", "must be between 0 and 1"));
    }
    let filter = v1::HitFilter {
        peer: args.peer.clone().unwrap_or_default(),
        key_kind: args.kind.clone().unwrap_or_default(),
        min_confidence: args.min_confidence.unwrap_or(0.0),
        since: args
            .since
            .as_deref()
            .map(|t| client::parse_time("--since", t))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|t| client::parse_time("--until", t))
            .transpose()?,
        local_ref: args.local_ref.clone().unwrap_or_default(),
    };
    opts.user_name()?;
    let mut inv = client::investigator(opts).await?;
    if args.watch {
        let req = opts.request(
            v1::WatchHitsRequest {
                filter: Some(filter),
            },
            Role::Investigator,
        )?;
        let mut stream = inv.watch_hits(req).await?.into_inner();
        if !opts.json {
            eprintln!("watching hits; Ctrl-C stops");
        }
        let ctrl_c = super::node::shutdown_signal();
        tokio::pin!(ctrl_c);
        loop {
            tokio::select! {
                _ = &mut ctrl_c => return Ok(Outcome::Success),
                item = stream.next() => match item {
                    Some(hit) => {
                        let hit = hit?;
                        if opts.json {
                            client::print_json(&client::hit_json(&hit));
                        } else {
                            println!("{}", hit_line(&hit));
                        }
                    }
                    None => {
                        eprintln!("the node closed the stream");
                        return Ok(Outcome::Success);
                    }
                },
            }
        }
    }
    let mut table = hit_table();
    let mut page_token = String::new();
    loop {
        let req = opts.request(
            v1::ListHitsRequest {
                filter: Some(filter.clone()),
                page: Some(v1::PageRequest {
                    page_size: limits::MAX_PAGE_SIZE,
                    page_token: page_token.clone(),
                }),
            },
            Role::Investigator,
        )?;
        let page = inv.list_hits(req).await?.into_inner();
        for hit in &page.hits {
            if opts.json {
                client::print_json(&client::hit_json(hit));
            } else {
                table.row(hit_row(hit));
            }
        }
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    if !opts.json {
        if table.is_empty() {
            println!("no hits");
        } else {
            table.print();
        }
    }
    Ok(Outcome::Success)
}

fn hit_table() -> Table {
    Table::new(&[
        "ID",
        "PEER",
        "LOCAL REF",
        "STRENGTH",
        "CONFIDENCE",
        "LAST SEEN",
        "KEY KINDS",
    ])
}

fn hit_row(h: &v1::Hit) -> Vec<String> {
    vec![
        h.id.to_string(),
        h.peer.clone(),
        h.local_ref.clone(),
        client::strength_word(h.strength).to_owned(),
        format!("{:.3}", h.confidence),
        client::format_time(h.last_seen.as_ref()),
        h.key_kinds.join(","),
    ]
}

/// One hit on one line, for `--watch` (events come one at a time, so no column alignment).
fn hit_line(h: &v1::Hit) -> String {
    format!("hit {}", hit_row(h).join("  "))
}

/// `fiu-node stats`
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// The bucket size.
    #[arg(long, value_enum, default_value_t = PeriodArg::Day)]
    pub period: PeriodArg,
    /// From this time (RFC 3339, or a date; default 90 days back).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// To this time (RFC 3339, or a date; default now).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
}

/// Statistics bucket sizes on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PeriodArg {
    /// Calendar days (UTC).
    Day,
    /// ISO weeks (from Monday).
    Week,
    /// Calendar months.
    Month,
}

/// Prints hit and follow-up counts per peer per period.
pub async fn stats(args: StatsArgs, opts: &ClientOpts) -> Result<Outcome, CliError> {
    let period = match args.period {
        PeriodArg::Day => v1::Period::Day,
        PeriodArg::Week => v1::Period::Week,
        PeriodArg::Month => v1::Period::Month,
    };
    let request = v1::StatisticsRequest {
        period: period as i32,
        since: args
            .since
            .as_deref()
            .map(|t| client::parse_time("--since", t))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|t| client::parse_time("--until", t))
            .transpose()?,
    };
    let req = opts.request(request, Role::Investigator)?;
    let answer = client::investigator(opts)
        .await?
        .get_statistics(req)
        .await?
        .into_inner();
    let counts = |c: &Option<v1::FollowUpCounts>| {
        let c = c.unwrap_or_default();
        json!({"total": c.total, "accepted": c.accepted, "declined": c.declined, "responded": c.responded, "failed": c.failed})
    };
    let short = |c: &Option<v1::FollowUpCounts>| {
        let c = c.unwrap_or_default();
        format!(
            "{} ({}a/{}d/{}r/{}f)",
            c.total, c.accepted, c.declined, c.responded, c.failed
        )
    };
    if opts.json {
        for r in &answer.rows {
            client::print_json(&json!({
                "peer": r.peer,
                "period_start": client::format_time(r.period_start.as_ref()),
                "hits": r.hits,
                "outgoing": counts(&r.outgoing),
                "incoming": counts(&r.incoming),
            }));
        }
        return Ok(Outcome::Success);
    }
    if answer.rows.is_empty() {
        println!("no hits or follow-ups in the period");
        return Ok(Outcome::Success);
    }
    let mut t = Table::new(&["PERIOD START", "PEER", "HITS", "OUTGOING", "INCOMING"]);
    for r in &answer.rows {
        t.row(vec![
            client::format_time(r.period_start.as_ref()),
            r.peer.clone(),
            r.hits.to_string(),
            short(&r.outgoing),
            short(&r.incoming),
        ]);
    }
    t.print();
    println!("follow-ups: total (accepted/declined/responded/failed)");
    Ok(Outcome::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags() -> SubjectFlags {
        SubjectFlags::default()
    }

    #[test]
    fn flags_make_one_record() {
        let mut f = flags();
        f.family = Some("Doe".into());
        f.dob = Some("1980-03-14".into());
        f.phone = Some("+49 30 1234567".into());
        let Record::Person(p) = f.to_record().unwrap() else {
            panic!("not a person")
        };
        assert_eq!(p.family_name.as_deref(), Some("Doe"));
        assert_eq!(p.phones.len(), 1);

        let mut f = flags();
        f.iban = Some("DE89".into());
        assert!(matches!(f.to_record().unwrap(), Record::Account(_)));
        f.family = Some("Doe".into());
        let e = f.to_record().unwrap_err().to_string();
        assert!(e.contains("2 subjects"), "{e}");

        let mut f = flags();
        f.email = Some("a@example.org".into());
        assert!(matches!(f.to_record().unwrap(), Record::Email(_)));
        assert!(flags().to_record().is_err());
    }

    #[test]
    fn subject_json_may_leave_out_reference_and_category() {
        let s = parse_subject(
            r#"{"type":"account","iban":"DE89 3704 0044 0532 0130 00"}"#,
            "x",
        )
        .unwrap();
        assert!(matches!(s.record, Record::Account(_)));
        let e = parse_subject(r#"{"type":"person","given_name":42}"#, "x")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("--subject: x: invalid type"), "{e}");
        let e = parse_subject("{\"type\":", "x").unwrap_err().to_string();
        assert!(e.starts_with("--subject: x: line 1, column"), "{e}");
        assert!(!e.contains("42"), "{e}");
        assert!(parse_subject("[]", "x").is_err());
    }
}
