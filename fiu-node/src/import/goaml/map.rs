//! From one unit's element tree to subjects: which goAML element becomes which subject field,
//! and which category each party gets. docs/IMPORT.md has the same table for operators.

use matcher::subject::{
    Account, Address, Category, DocumentKind, IdentityDocument, LegalEntity, Person, Record,
    Subject, TaxNumber,
};

use super::GoamlCategories;
use super::GoamlError;
use super::tree::{MAX_TEXT_BYTES, MAX_UNIT_ELEMENTS, NodeRef, Tree};
use crate::import::{ImportError, ImportedSubject, RecordOrigin};

/// What the mapper needs to know about the unit's place in the report.
pub(super) struct UnitContext<'a> {
    /// Source file name.
    pub file: &'a str,
    /// `<rentity_id>:<entity_reference>` of the report.
    pub report_ref: &'a str,
    /// The unit's stable name in the report (transaction number, `report_party[2]`).
    pub unit_ref: &'a str,
    /// Category policy.
    pub categories: &'a GoamlCategories,
}

/// Maps one unit; returns its subjects and record errors in document order.
pub(super) fn map_unit(
    tree: &Tree,
    ctx: &UnitContext<'_>,
) -> Vec<Result<ImportedSubject, ImportError>> {
    let root = tree.root();
    let mut m = Mapper {
        ctx,
        root,
        out: Vec::new(),
    };
    if tree.overflowed() {
        m.error(
            root,
            root.name(),
            format!("more than {MAX_UNIT_ELEMENTS} elements; this unit was not imported"),
        );
        return m.out;
    }
    for node in tree.overlong() {
        m.error(
            node,
            node.name(),
            format!("value longer than {MAX_TEXT_BYTES} bytes; left out"),
        );
    }
    match root.name() {
        "transaction" => m.transaction(),
        _ => m.party(root),
    }
    m.out
}

struct Mapper<'a, 't> {
    ctx: &'a UnitContext<'a>,
    root: NodeRef<'t>,
    out: Vec<Result<ImportedSubject, ImportError>>,
}

/// goAML's xs:boolean: `true`/`1` or `false`/`0`; anything else counts as absent.
fn flag(value: Option<String>) -> Option<bool> {
    match value.as_deref() {
        Some("true") | Some("1") => Some(true),
        Some("false") | Some("0") => Some(false),
        _ => None,
    }
}

impl<'t> Mapper<'_, 't> {
    fn origin(&self, node: NodeRef<'_>) -> RecordOrigin {
        RecordOrigin {
            source: self.ctx.file.to_owned(),
            position: format!("{} (line {})", node.path(), node.line()),
        }
    }

    fn error(&mut self, node: NodeRef<'_>, field: &str, problem: String) {
        self.out.push(Err(GoamlError::Record {
            file: self.ctx.file.to_owned(),
            path: node.path(),
            line: node.line(),
            field: field.to_owned(),
            problem,
        }
        .into()));
    }

    /// Stable reference: report, unit, then the party's path inside the unit.
    fn local_ref(&self, node: NodeRef<'_>) -> String {
        let below = node.path_below(self.root);
        if below.is_empty() {
            format!("{}/{}", self.ctx.report_ref, self.ctx.unit_ref)
        } else {
            format!("{}/{}/{}", self.ctx.report_ref, self.ctx.unit_ref, below)
        }
    }

    fn emit(&mut self, node: NodeRef<'_>, category: Category, record: Record) {
        let subject = Subject {
            local_ref: self.local_ref(node),
            category,
            expires: None,
            record,
        };
        let origin = self.origin(node);
        self.out.push(Ok(ImportedSubject { subject, origin }));
    }

    /// Category of a main party (from/to side, involved party, report party).
    fn main_category(&self, role: Option<String>, suspected: Option<bool>) -> Category {
        let cats = self.ctx.categories;
        if role.as_deref() == Some("WITN") {
            return cats.witness;
        }
        match suspected {
            Some(false) => cats.not_suspected,
            _ => cats.party,
        }
    }

    fn transaction(&mut self) {
        let root = self.root;
        for side in root.children() {
            match side.name() {
                "t_from_my_client" | "t_from" => self.side(side, "from_"),
                "t_to_my_client" | "t_to" => self.side(side, "to_"),
                "involved_parties" => {
                    for party in side.children_named("party") {
                        self.party(party);
                    }
                }
                _ => {}
            }
        }
    }

    /// `t_from`, `t_from_my_client`, `t_to`, `t_to_my_client`.
    fn side(&mut self, side: NodeRef<'t>, prefix: &str) {
        let suspected = flag(side.child_text(&format!("{prefix}is_suspected")));
        let conductor_suspected = flag(side.child_text("conductor_is_suspected"));
        let main = self.main_category(None, suspected);
        for child in side.children() {
            let name = child.name();
            if name == "t_conductor" {
                let cat = match conductor_suspected {
                    Some(true) => self.ctx.categories.party,
                    _ => self.ctx.categories.connected,
                };
                self.person(child, cat);
                continue;
            }
            match name.strip_prefix(prefix) {
                Some("person") => self.person(child, main),
                Some("entity") => self.entity(child, main),
                Some("account") => self.account(child, main),
                _ => {}
            }
        }
    }

    /// `involved_parties/party` (t_party) and `activity/report_parties/report_party`.
    fn party(&mut self, party: NodeRef<'t>) {
        let cat = self.main_category(
            party.child_text("role"),
            flag(party.child_text("is_suspected")),
        );
        for child in party.children() {
            match child.name() {
                "person" | "person_my_client" => self.person(child, cat),
                "entity" | "entity_my_client" => self.entity(child, cat),
                "account" | "account_my_client" => self.account(child, cat),
                _ => {}
            }
        }
    }

    fn person(&mut self, node: NodeRef<'t>, category: Category) {
        let p = self.person_record(node);
        let named = p.given_name.is_some()
            || p.family_name.is_some()
            || !p.aliases.is_empty()
            || p.original_script_name.is_some();
        if named {
            self.emit(node, category, Record::Person(p));
        } else {
            self.error(
                node,
                "last_name",
                "person has no first_name, last_name, alias or full_name_frn".to_owned(),
            );
        }
        // Persons related to this one.
        let connected = self.ctx.categories.connected;
        for rel in node.items("related_persons", "person_related_person") {
            for p in rel.children_named("person") {
                self.person(p, connected);
            }
        }
    }

    fn person_record(&mut self, node: NodeRef<'t>) -> Person {
        let mut p = Person {
            given_name: node.child_text("first_name"),
            middle_name: node.child_text("middle_name"),
            family_name: match (node.child_text("prefix"), node.child_text("last_name")) {
                (Some(prefix), Some(last)) => Some(format!("{prefix} {last}")),
                (_, last) => last,
            },
            original_script_name: node.child_text("full_name_frn"),
            birth_date: node.child_text("birthdate").map(date_part),
            birth_place: node.child_text("birth_place"),
            birth_country: node.child_text("country_of_birth"),
            ..Person::default()
        };
        p.aliases.extend(node.child_text("alias"));
        for prev in node.items("previous_names", "previous_name") {
            let full: Vec<String> = ["first_name", "last_name"]
                .iter()
                .filter_map(|f| prev.child_text(f))
                .collect();
            if !full.is_empty() {
                p.aliases.push(full.join(" "));
            }
        }
        for n in ["nationality1", "nationality2", "nationality3"] {
            p.nationalities.extend(node.child_text(n));
        }
        for id in node.items("identifications", "identification") {
            match id.child_text("number") {
                Some(number) => push_document(
                    &mut p.documents,
                    document_kind(id.child_text("type").as_deref()),
                    number,
                    id.child_text("issue_country"),
                ),
                None => self.error(id, "number", "identification has no number".to_owned()),
            }
        }
        if let Some(number) = node.child_text("passport_number") {
            push_document(
                &mut p.documents,
                DocumentKind::Passport,
                number,
                node.child_text("passport_country"),
            );
        }
        for field in ["id_number", "ssn"] {
            if let Some(number) = node.child_text(field) {
                push_document(&mut p.documents, DocumentKind::NationalId, number, None);
            }
        }
        p.tax_numbers = tax_numbers(node);
        p.phones = phones(node);
        p.addresses = addresses(node);
        p.emails = emails(node);
        p
    }

    fn entity(&mut self, node: NodeRef<'t>, category: Category) {
        let connected = self.ctx.categories.connected;
        match node.child_text("name") {
            Some(name) => {
                let mut e = LegalEntity {
                    name,
                    legal_form: node.child_text("incorporation_legal_form"),
                    registration_number: node.child_text("incorporation_number"),
                    registration_country: node.child_text("incorporation_country_code"),
                    tax_numbers: tax_numbers(node),
                    addresses: addresses(node),
                    phones: phones(node),
                    emails: emails(node),
                    ..LegalEntity::default()
                };
                e.aliases.extend(node.child_text("commercial_name"));
                for id in node.items("entity_identifications", "entity_identifier") {
                    let Some(number) = id.child_text("number") else {
                        self.error(id, "number", "entity_identifier has no number".to_owned());
                        continue;
                    };
                    let kind = id
                        .child_text("type")
                        .unwrap_or_default()
                        .to_ascii_uppercase();
                    let country = id.child_text("issue_country");
                    if kind == "LEI" && e.lei.is_none() {
                        e.lei = Some(number);
                    } else if ["TAX", "VAT", "TIN"].iter().any(|k| kind.contains(k)) {
                        e.tax_numbers.push(TaxNumber { number, country });
                    } else if e.registration_number.is_none() {
                        e.registration_number = Some(number);
                        e.registration_country = country.or(e.registration_country);
                    }
                }
                self.emit(node, category, Record::Entity(e));
            }
            None => self.error(node, "name", "entity has no name".to_owned()),
        }
        for director in node.children_named("director_id") {
            self.person(director, connected);
        }
        for rel in node.items("related_persons", "entity_related_person") {
            for p in rel.children_named("person") {
                self.person(p, connected);
            }
        }
        for rel in node.items("related_entities", "entity_related_entity") {
            for e in rel.children_named("entity") {
                self.entity(e, connected);
            }
        }
    }

    fn account(&mut self, node: NodeRef<'t>, category: Category) {
        let connected = self.ctx.categories.connected;
        let holder_entity = node.child("t_entity");
        let signatories: Vec<(NodeRef<'t>, bool)> = node
            .children_named("signatory")
            .chain(node.items("related_persons", "account_related_person"))
            .filter_map(|s| {
                let holder = flag(s.child_text("is_primary")) == Some(true)
                    || matches!(s.child_text("role").as_deref(), Some("PAH") | Some("JAH"));
                s.child("t_person").map(|p| (p, holder))
            })
            .collect();
        let iban = node.child_text("iban");
        let number = node.child_text("account");
        if iban.is_none() && number.is_none() {
            self.error(
                node,
                "account",
                "account has neither account nor iban".to_owned(),
            );
        } else {
            let holder = node
                .child_text("account_name")
                .or_else(|| holder_entity.and_then(|e| e.child_text("name")))
                .or_else(|| signatories.first().and_then(|(p, _)| full_name(*p)));
            let a = Account {
                iban,
                number,
                institution: node
                    .child_text("swift")
                    .or_else(|| node.child_text("institution_code")),
                country: node.child_text("institution_country"),
                holder,
            };
            self.emit(node, category, Record::Account(a));
        }
        if let Some(e) = holder_entity {
            self.entity(e, category);
        }
        for (p, holder) in signatories {
            self.person(p, if holder { category } else { connected });
        }
        for rel in node.items("related_entities", "account_related_entity") {
            for e in rel.children_named("entity") {
                self.entity(e, connected);
            }
        }
        for rel in node.items("related_accounts", "account_related_account") {
            for a in rel.children_named("account") {
                if a.has_children() {
                    self.account(a, connected);
                }
            }
        }
    }
}

/// `1985-03-12T00:00:00` becomes `1985-03-12`: goAML writes dates as xs:dateTime with a
/// meaningless time; other forms pass through for the matcher to judge.
fn date_part(value: String) -> String {
    match value.split_once('T') {
        Some((date, _)) if date.len() == 10 => date.to_owned(),
        _ => value,
    }
}

/// goAML identifier_type codes (5.0.2 list) to document kinds.
fn document_kind(code: Option<&str>) -> DocumentKind {
    match code.map(str::to_ascii_uppercase).as_deref() {
        Some("PASSP") => DocumentKind::Passport,
        Some("EID") | Some("EIDF") | Some("GCCID") | Some("NID") | Some("IDCRD") => {
            DocumentKind::NationalId
        }
        Some("DRIVL") => DocumentKind::DrivingLicence,
        Some("RESPR") | Some("RESID") => DocumentKind::ResidencePermit,
        _ => DocumentKind::Other,
    }
}

/// Adds a document unless the same number is already there (goAML reports often repeat
/// `id_number` as an `identification`).
fn push_document(
    docs: &mut Vec<IdentityDocument>,
    kind: DocumentKind,
    number: String,
    country: Option<String>,
) {
    if let Some(existing) = docs.iter_mut().find(|d| d.number == number) {
        if existing.country.is_none() {
            existing.country = country;
        }
        return;
    }
    docs.push(IdentityDocument {
        kind,
        number,
        country,
    });
}

/// `tax_number`, and `tax_reg_number` where it holds a number: in 5.x it is a one-letter
/// flag (`Y`/`N`), in 4.x the tax registration number itself.
fn tax_numbers(node: NodeRef<'_>) -> Vec<TaxNumber> {
    let mut out = Vec::new();
    let numbers = ["tax_number", "tax_reg_number"]
        .iter()
        .filter_map(|field| node.child_text(field));
    for number in numbers {
        if number.chars().count() > 1 && !out.iter().any(|t: &TaxNumber| t.number == number) {
            out.push(TaxNumber {
                number,
                country: None,
            });
        }
    }
    out
}

/// `phones/phone` (and bare `phone`): `tph_country_prefix` and `tph_number` joined as
/// `+971 501112233`.
fn phones(node: NodeRef<'_>) -> Vec<String> {
    node.items("phones", "phone")
        .into_iter()
        .filter_map(|ph| {
            let number = ph.child_text("tph_number")?;
            let prefix = ph.child_text("tph_country_prefix").map(|p| {
                let p = p.trim_start_matches('+');
                p.strip_prefix("00").unwrap_or(p).to_owned()
            });
            Some(match prefix {
                Some(prefix) if !prefix.is_empty() && !number.starts_with('+') => {
                    format!("+{prefix} {number}")
                }
                _ => number,
            })
        })
        .collect()
}

/// `addresses/address` (and a bare complex `address`).
fn addresses(node: NodeRef<'_>) -> Vec<Address> {
    node.items("addresses", "address")
        .into_iter()
        .filter(|a| a.has_children())
        .filter_map(|a| {
            let street: Vec<String> = ["address", "house_number"]
                .iter()
                .filter_map(|f| a.child_text(f))
                .collect();
            let address = Address {
                street: if street.is_empty() {
                    None
                } else {
                    Some(street.join(" "))
                },
                city: a.child_text("city").or_else(|| a.child_text("town")),
                postcode: a.child_text("zip"),
                country: a.child_text("country_code"),
            };
            (address != Address::default()).then_some(address)
        })
        .collect()
}

/// `email` (repeated, 5.x and 4.x) and `emails/email` (5.x).
fn emails(node: NodeRef<'_>) -> Vec<String> {
    node.items("emails", "email")
        .into_iter()
        .filter_map(|e| e.text())
        .collect()
}

/// A person's name as one string, for an account's holder.
fn full_name(person: NodeRef<'_>) -> Option<String> {
    let parts: Vec<String> = ["first_name", "middle_name", "prefix", "last_name"]
        .iter()
        .filter_map(|f| person.child_text(f))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_lose_the_midnight_time_only_when_well_formed() {
        assert_eq!(date_part("1985-03-12T00:00:00".into()), "1985-03-12");
        assert_eq!(date_part("1985".into()), "1985");
        assert_eq!(date_part("85-3-1T00".into()), "85-3-1T00");
    }

    #[test]
    fn document_codes() {
        assert_eq!(document_kind(Some("PASSP")), DocumentKind::Passport);
        assert_eq!(document_kind(Some("eid")), DocumentKind::NationalId);
        assert_eq!(document_kind(Some("DRIVL")), DocumentKind::DrivingLicence);
        assert_eq!(document_kind(Some("TRADL")), DocumentKind::Other);
        assert_eq!(document_kind(None), DocumentKind::Other);
    }

    #[test]
    fn duplicate_document_numbers_merge() {
        let mut docs = vec![];
        push_document(&mut docs, DocumentKind::NationalId, "1".into(), None);
        push_document(
            &mut docs,
            DocumentKind::Passport,
            "1".into(),
            Some("AE".into()),
        );
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].country.as_deref(), Some("AE"));
    }
}
