//! Importers: goAML XML, mapped CSV and JSON lines, on synthetic fixtures in
//! tests/fixtures/import/, plus a conformance run over the real goAML reports in
//! ../shared/goaml when that folder exists.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use fiu_node::import::{
    self, CsvMapping, CsvReader, Format, GoamlCategories, GoamlReader, ImportError,
    ImportedSubject, JsonlReader,
};
use matcher::subject::{Category, DocumentKind, Record};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

/// Splits a stream into subjects and errors, checking on the way that a fatal error, if
/// any, is the last item and that no error message contains any of `secrets`.
fn collect(
    records: impl Iterator<Item = Result<ImportedSubject, ImportError>>,
    secrets: &[&str],
) -> (Vec<ImportedSubject>, Vec<ImportError>) {
    let mut ok = Vec::new();
    let mut errors: Vec<ImportError> = Vec::new();
    for r in records {
        if let Some(last) = errors.last() {
            assert!(!last.is_fatal(), "an item followed a fatal error: {last}");
        }
        match r {
            Ok(s) => ok.push(s),
            Err(e) => {
                let msg = e.to_string();
                for s in secrets {
                    assert!(!msg.contains(s), "error message leaks a value: {msg}");
                }
                errors.push(e)
            }
        }
    }
    (ok, errors)
}

fn by_ref<'a>(subjects: &'a [ImportedSubject], local_ref: &str) -> &'a ImportedSubject {
    subjects
        .iter()
        .find(|s| s.subject.local_ref == local_ref)
        .unwrap_or_else(|| {
            let refs: Vec<&str> = subjects
                .iter()
                .map(|s| s.subject.local_ref.as_str())
                .collect();
            panic!("no subject {local_ref}; have {refs:#?}")
        })
}

/// Counts persons, entities and accounts in a goAML document by scanning start tags, without
/// the importer's code: the independent side of the conformance checks.
fn scan_counts(xml: &str) -> (usize, usize, usize) {
    const PERSONS: [&str; 7] = [
        "from_person",
        "to_person",
        "person",
        "person_my_client",
        "t_person",
        "director_id",
        "t_conductor",
    ];
    const ENTITIES: [&str; 5] = [
        "from_entity",
        "to_entity",
        "entity",
        "entity_my_client",
        "t_entity",
    ];
    const ACCOUNTS: [&str; 4] = ["from_account", "to_account", "account", "account_my_client"];
    let (mut p, mut e, mut a) = (0, 0, 0);
    let mut rest = xml;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest
            .find(|c: char| c == '>' || c == '/' || c.is_whitespace())
            .unwrap_or(rest.len());
        let name = &rest[..end];
        // `account` is also the account-number field: count it only when it has children.
        let after = rest[end..].trim_start_matches('>').trim_start();
        let complex = after.starts_with('<') && !after.starts_with("</");
        if PERSONS.contains(&name) {
            p += 1;
        } else if ENTITIES.contains(&name) {
            e += 1;
        } else if ACCOUNTS.contains(&name) && (name != "account" || complex) {
            a += 1;
        }
    }
    (p, e, a)
}

fn type_counts(subjects: &[ImportedSubject]) -> (usize, usize, usize) {
    let count = |t: &str| {
        subjects
            .iter()
            .filter(|s| s.subject.record.type_name() == t)
            .count()
    };
    (count("person"), count("entity"), count("account"))
}

mod goaml {
    use super::*;

    fn read(name: &str) -> (Vec<ImportedSubject>, Vec<ImportError>) {
        let records = import::open(&fixture(name), Format::Goaml(GoamlCategories::default()))
            .expect("fixture opens");
        collect(records, &["SECRET"])
    }

    #[test]
    fn schema_5_report_yields_every_party_position() {
        let (subjects, errors) = read("goaml-5.xml");
        assert!(errors.is_empty(), "{errors:?}");
        let xml = std::fs::read_to_string(fixture("goaml-5.xml")).unwrap();
        assert_eq!(type_counts(&subjects), scan_counts(&xml));
        assert_eq!(type_counts(&subjects), (10, 4, 4));

        let cat = |r: &str| by_ref(&subjects, r).subject.category;
        let t1 = "7:FIX-5/T-1";
        assert_eq!(
            cat(&format!("{t1}/t_from_my_client/t_conductor")),
            Category::Suspect
        );
        assert_eq!(
            cat(&format!("{t1}/t_from_my_client/from_account")),
            Category::Suspect
        );
        assert_eq!(
            cat(&format!("{t1}/t_from_my_client/from_account/t_entity")),
            Category::Suspect
        );
        assert_eq!(
            cat(&format!(
                "{t1}/t_from_my_client/from_account/t_entity/director_id"
            )),
            Category::Associate
        );
        assert_eq!(
            cat(&format!(
                "{t1}/t_from_my_client/from_account/signatory/t_person"
            )),
            Category::Suspect,
            "primary holder inherits the account's category"
        );
        assert_eq!(
            cat(&format!(
                "{t1}/t_from_my_client/from_account/signatory[2]/t_person"
            )),
            Category::Associate
        );
        assert_eq!(
            cat(&format!("{t1}/t_to/to_entity")),
            Category::Associate,
            "to_is_suspected false"
        );
        assert_eq!(
            cat(&format!(
                "{t1}/t_to/to_entity/related_persons/entity_related_person/person"
            )),
            Category::Associate
        );
        assert_eq!(
            cat("7:FIX-5/T-3/involved_parties/party/person"),
            Category::Witness
        );
        assert_eq!(
            cat("7:FIX-5/T-3/involved_parties/party[2]/entity_my_client"),
            Category::Associate
        );
        assert_eq!(
            cat("7:FIX-5/T-3/involved_parties/party[3]/account"),
            Category::Suspect
        );
        assert_eq!(
            cat("7:FIX-5/report_party/person_my_client"),
            Category::Suspect
        );
        assert_eq!(cat("7:FIX-5/report_party[2]/entity"), Category::Suspect);
        assert_eq!(
            cat("7:FIX-5/T-2/t_to_my_client[2]/to_person"),
            Category::Suspect
        );

        let account = &by_ref(&subjects, &format!("{t1}/t_from_my_client/from_account")).subject;
        let Record::Account(a) = &account.record else {
            panic!("not an account")
        };
        assert_eq!(a.iban.as_deref(), Some("DE89370400440532013000"));
        assert_eq!(a.number.as_deref(), Some("0532013000"));
        assert_eq!(a.institution.as_deref(), Some("DEUTDEFF"));
        assert_eq!(a.country.as_deref(), Some("DE"));
        assert_eq!(a.holder.as_deref(), Some("Acme Trading GmbH"));

        let acme = &by_ref(
            &subjects,
            &format!("{t1}/t_from_my_client/from_account/t_entity"),
        )
        .subject;
        let Record::Entity(e) = &acme.record else {
            panic!("not an entity")
        };
        assert_eq!(e.aliases, ["Acme"]);
        assert_eq!(e.legal_form.as_deref(), Some("GMBH"));
        assert_eq!(e.registration_number.as_deref(), Some("HRB 12345"));
        assert_eq!(e.registration_country.as_deref(), Some("DE"));
        assert_eq!(e.tax_numbers.len(), 1);

        let beta = &by_ref(&subjects, &format!("{t1}/t_to/to_entity")).subject;
        let Record::Entity(e) = &beta.record else {
            panic!("not an entity")
        };
        assert_eq!(e.lei.as_deref(), Some("5493001KJTIIGC8Y1R12"));

        let anna = by_ref(&subjects, "7:FIX-5/T-2/t_from/from_person");
        assert_eq!(anna.origin.source, "goaml-5.xml");
        assert!(
            anna.origin
                .position
                .starts_with("report/transaction[2]/t_from/from_person (line "),
            "{}",
            anna.origin.position
        );
        let Record::Person(p) = &anna.subject.record else {
            panic!("not a person")
        };
        assert_eq!(p.given_name.as_deref(), Some("Anna"));
        assert_eq!(p.middle_name.as_deref(), Some("Maria"));
        assert_eq!(p.family_name.as_deref(), Some("van der Berg"));
        assert_eq!(p.aliases, ["Ann Berg", "Anna Jansen"]);
        assert_eq!(p.original_script_name.as_deref(), Some("Анна ван дер Берг"));
        assert_eq!(p.birth_date.as_deref(), Some("1980-03-14"));
        assert_eq!(p.birth_place.as_deref(), Some("Utrecht"));
        assert_eq!(p.birth_country.as_deref(), Some("NL"));
        assert_eq!(p.nationalities, ["NL", "DE"]);
        let docs: Vec<(DocumentKind, &str, Option<&str>)> = p
            .documents
            .iter()
            .map(|d| (d.kind, d.number.as_str(), d.country.as_deref()))
            .collect();
        assert_eq!(
            docs,
            [
                (DocumentKind::Passport, "NX1234567", Some("NL")),
                (DocumentKind::DrivingLicence, "DL-9", Some("NL")),
                (DocumentKind::NationalId, "IDN-42", None),
                (DocumentKind::NationalId, "123-45-6789", None),
            ]
        );
        let taxes: Vec<&str> = p.tax_numbers.iter().map(|t| t.number.as_str()).collect();
        assert_eq!(
            taxes,
            ["NL-TIN-1"],
            "the 5.x tax_reg_number flag is not a number"
        );
        assert_eq!(p.phones, ["+31 612345678"]);
        assert_eq!(p.emails, ["anna@example.org"]);
        assert_eq!(p.addresses.len(), 1);
        assert_eq!(p.addresses[0].street.as_deref(), Some("Keizersgracht 1"));
        assert_eq!(p.addresses[0].postcode.as_deref(), Some("1015 CJ"));

        let gamma = &by_ref(
            &subjects,
            "7:FIX-5/T-3/involved_parties/party[2]/entity_my_client",
        );
        let Record::Entity(e) = &gamma.subject.record else {
            panic!("not an entity")
        };
        assert_eq!(e.name, "Gamma & Sons", "entity references are resolved");

        // The reporting entity's own officer is not a subject.
        assert!(
            subjects
                .iter()
                .all(|s| !s.subject.local_ref.contains("reporting_person"))
        );
    }

    #[test]
    fn reimport_yields_the_same_subjects() {
        let (a, _) = read("goaml-5.xml");
        let (b, _) = read("goaml-5.xml");
        assert_eq!(a, b);
        let mut refs: Vec<&str> = a.iter().map(|s| s.subject.local_ref.as_str()).collect();
        refs.sort();
        let n = refs.len();
        refs.dedup();
        assert_eq!(refs.len(), n, "local refs are unique within a report");
    }

    #[test]
    fn schema_4_style_report_imports() {
        let (subjects, errors) = read("goaml-4.xml");
        assert!(errors.is_empty(), "{errors:?}");
        let xml = std::fs::read_to_string(fixture("goaml-4.xml")).unwrap();
        assert_eq!(type_counts(&subjects), scan_counts(&xml));
        let otto = by_ref(&subjects, "9:FIX-4/OLD-1/t_from_my_client/from_person");
        let Record::Person(p) = &otto.subject.record else {
            panic!("not a person")
        };
        assert_eq!(p.emails, ["otto@example.org", "otto2@example.org"]);
        assert_eq!(p.documents.len(), 1);
        assert_eq!(p.documents[0].kind, DocumentKind::Passport);
        assert_eq!(
            p.tax_numbers[0].number, "ATU12345678",
            "4.x tax_reg_number is a number"
        );
        let acct = by_ref(&subjects, "9:FIX-4/OLD-1/t_to/to_account");
        let Record::Account(a) = &acct.subject.record else {
            panic!("not an account")
        };
        assert_eq!(a.institution.as_deref(), Some("BLZ1"));
        assert_eq!(a.holder.as_deref(), Some("Olga Old"));
        // A signatory without a holder role is an associate.
        let olga = by_ref(
            &subjects,
            "9:FIX-4/OLD-1/t_to/to_account/signatory/t_person",
        );
        assert_eq!(olga.subject.category, Category::Associate);
    }

    #[test]
    fn malformed_xml_keeps_what_came_before_and_names_the_place() {
        let (subjects, errors) = read("goaml-malformed.xml");
        assert_eq!(subjects.len(), 1, "the first transaction stands");
        assert_eq!(errors.len(), 1);
        let e = &errors[0];
        assert!(e.is_fatal());
        let msg = e.to_string();
        assert!(
            msg.starts_with("goaml-malformed.xml: XML not well-formed at "),
            "{msg}"
        );
        assert!(
            msg.contains("report/transaction[2]/t_to/to_person"),
            "{msg}"
        );
        assert!(msg.contains("line 19"), "{msg}");
    }

    fn read_str(xml: &str) -> (Vec<ImportedSubject>, Vec<ImportError>) {
        let reader = GoamlReader::new(
            Cursor::new(xml.to_owned()),
            "inline.xml",
            GoamlCategories::default(),
        );
        collect(reader, &["SECRET"])
    }

    #[test]
    fn structural_gaps_are_record_errors_and_the_rest_stands() {
        let xml = r#"<report><rentity_id>1</rentity_id><entity_reference>R</entity_reference>
            <transaction><transactionnumber>X</transactionnumber>
              <t_from><from_person><gender>M</gender><id_number>SECRET1</id_number></from_person></t_from>
              <t_to><to_entity><commercial_name>SECRET2</commercial_name></to_entity></t_to>
            </transaction>
            <transaction><transactionnumber>X</transactionnumber>
              <t_to><to_account><account_name>SECRET3</account_name></to_account></t_to>
              <t_from><from_person><last_name>Fine</last_name>
                <identification><type>PASSP</type></identification></from_person></t_from>
            </transaction></report>"#;
        let (subjects, errors) = read_str(xml);
        assert_eq!(subjects.len(), 1);
        assert_eq!(
            subjects[0].subject.local_ref, "1:R/X#2/t_from/from_person",
            "a repeated transaction number keeps refs unique"
        );
        let msgs: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(msgs.len(), 4, "{msgs:#?}");
        assert!(errors.iter().all(|e| !e.is_fatal()));
        assert!(
            msgs[0].contains("report/transaction/t_from/from_person (line 3): field `last_name`"),
            "{msgs:#?}"
        );
        assert!(
            msgs[1].contains("report/transaction/t_to/to_entity (line 4): field `name`"),
            "{msgs:#?}"
        );
        assert!(
            msgs[2].contains("report/transaction[2]/t_to/to_account (line 7): field `account`"),
            "{msgs:#?}"
        );
        assert!(
            msgs[3].contains("from_person/identification (line 9): field `number`"),
            "{msgs:#?}"
        );
    }

    #[test]
    fn fatal_structure_problems() {
        let cases = [
            ("", "no `report` element"),
            ("<reports/>", "root element is `reports`"),
            ("<report><transaction/></report>", "entity_reference"),
            (
                "<report><entity_reference>R</entity_reference>",
                "input ends inside",
            ),
            (
                "<report><entity_reference>R&SECRET;</entity_reference></report>",
                "entity other than",
            ),
            ("<report/><report/>", "second root"),
        ];
        for (xml, want) in cases {
            let (subjects, errors) = read_str(xml);
            assert!(subjects.is_empty(), "{xml}");
            assert_eq!(errors.len(), 1, "{xml}: {errors:?}");
            assert!(errors[0].is_fatal());
            assert!(errors[0].to_string().contains(want), "{xml}: {}", errors[0]);
        }
        let deep = format!(
            "<report><entity_reference>R</entity_reference>{}",
            "<a>".repeat(200)
        );
        let (_, errors) = read_str(&deep);
        assert!(
            errors[0].to_string().contains("nested deeper"),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let base = std::fs::read(fixture("goaml-5.xml")).unwrap();
        // Truncations and single-byte corruptions at many places.
        for cut in (0..base.len()).step_by(97) {
            let reader = GoamlReader::new(
                Cursor::new(base[..cut].to_vec()),
                "t.xml",
                GoamlCategories::default(),
            );
            let _ = reader.count();
            let mut bad = base.clone();
            bad[cut] = bad[cut].wrapping_add(1);
            let reader = GoamlReader::new(Cursor::new(bad), "t.xml", GoamlCategories::default());
            let _ = reader.count();
        }
    }

    #[test]
    fn categories_follow_the_policy() {
        let cats = GoamlCategories {
            party: Category::Other,
            connected: Category::Other,
            ..GoamlCategories::default()
        };
        let records = import::open(&fixture("goaml-5.xml"), Format::Goaml(cats)).unwrap();
        let (subjects, _) = collect(records, &[]);
        assert_eq!(
            by_ref(&subjects, "7:FIX-5/T-2/t_from/from_person")
                .subject
                .category,
            Category::Other
        );
    }
}

mod csv {
    use super::*;

    fn mapping() -> CsvMapping {
        CsvMapping::load(&fixture("mapping.toml")).expect("mapping loads")
    }

    #[test]
    fn rows_map_and_bad_rows_do_not_stop_the_rest() {
        let records =
            import::open(&fixture("people.csv"), Format::Csv(Box::new(mapping()))).unwrap();
        let (subjects, errors) = collect(records, &["VILLAIN", "SECRET", "31/12/2030"]);
        let refs: Vec<&str> = subjects
            .iter()
            .map(|s| s.subject.local_ref.as_str())
            .collect();
        assert_eq!(
            refs,
            ["casedb/C-1", "casedb/C-2", "casedb/C-4", "casedb/C-6"]
        );
        let msgs: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            msgs,
            [
                "people.csv: line 4: field `category`: not a category name nor a key of category_values",
                "people.csv: line 6: field `local_ref` is required but empty",
                "people.csv: line 8: row has 6 fields, header has 23",
                "people.csv: line 9: field `account.iban` is required but empty",
                "people.csv: line 10: field `expires`: not a date in YYYY-MM-DD form",
            ]
        );
        assert!(errors.iter().all(|e| !e.is_fatal()));

        let anna = &subjects[0];
        assert_eq!(anna.origin.position, "line 2");
        assert_eq!(anna.subject.category, Category::Suspect);
        assert_eq!(
            anna.subject.expires,
            chrono::NaiveDate::from_ymd_opt(2030, 12, 31)
        );
        let Record::Person(p) = &anna.subject.record else {
            panic!("not a person")
        };
        assert_eq!(p.nationalities, ["NL", "DE"]);
        assert_eq!(p.documents[0].kind, DocumentKind::Passport);
        assert_eq!(p.documents[0].country.as_deref(), Some("NL"));
        assert_eq!(p.phones, ["+31 612345678"]);

        assert_eq!(subjects[1].subject.category, Category::Associate);
        let Record::Entity(e) = &subjects[1].subject.record else {
            panic!("not an entity")
        };
        assert_eq!(e.lei.as_deref(), Some("5493001KJTIIGC8Y1R12"));
        assert_eq!(
            subjects[2].subject.category,
            Category::Suspect,
            "empty ROLE takes the default"
        );
        let Record::Wallet(w) = &subjects[3].subject.record else {
            panic!("not a wallet")
        };
        assert_eq!(w.chain, "bitcoin");
    }

    #[test]
    fn a_mapped_column_missing_from_the_header_is_fatal_and_named() {
        let csv = "CASE_ID,KIND,ROLE\nC-1,P,SUSP\n";
        let reader = CsvReader::new(Cursor::new(csv), "short.csv", mapping());
        let (subjects, errors) = collect(reader, &[]);
        assert!(subjects.is_empty());
        assert_eq!(errors.len(), 1);
        assert!(errors[0].is_fatal());
        assert_eq!(
            errors[0].to_string(),
            "short.csv: header has no column `KEEP_UNTIL` (mapped by `expires_column`)"
        );
    }

    #[test]
    fn fixed_type_semicolon_export() {
        let m = CsvMapping::from_toml(
            r#"
            delimiter = ";"
            list_separator = "|"
            record_type = "person"
            local_ref_column = "id"
            category = "associate"
            [person]
            full_name = "name"
            aliases = "aka"
            [[person.documents]]
            number = "nid"
            kind = "national_id"
            country_default = "BE"
            "#,
            "be.toml",
        )
        .unwrap();
        let csv = "id;name;aka;nid\n1;Jan Peeters;J. Peeters|Jean Peeters;85.07.30-033.61\n2;;;\n";
        let (subjects, errors) = collect(CsvReader::new(Cursor::new(csv), "be.csv", m), &[]);
        assert_eq!(subjects.len(), 1);
        let Record::Person(p) = &subjects[0].subject.record else {
            panic!("not a person")
        };
        assert_eq!(p.aliases, ["Jan Peeters", "J. Peeters", "Jean Peeters"]);
        assert_eq!(p.documents[0].kind, DocumentKind::NationalId);
        assert_eq!(p.documents[0].country.as_deref(), Some("BE"));
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].to_string(),
            "be.csv: line 3: field `person.family_name` is required but empty"
        );
    }

    #[test]
    fn bad_bytes_are_row_errors() {
        let m = CsvMapping::from_toml(
            "record_type = \"phone\"\nlocal_ref_column = \"id\"\ncategory = \"suspect\"\n[phone]\nnumber = \"n\"\n",
            "p.toml",
        )
        .unwrap();
        let csv = b"id,n\n1,\xff\xfe\n2,+4930123\n\"3,unterminated\n".to_vec();
        let (subjects, errors) = collect(CsvReader::new(Cursor::new(csv), "p.csv", m), &[]);
        assert_eq!(subjects.len(), 1);
        assert_eq!(
            errors[0].to_string(),
            "p.csv: line 2: field `phone.number`: not valid UTF-8"
        );
    }
}

mod jsonl {
    use super::*;

    #[test]
    fn good_lines_import_and_bad_lines_name_their_line() {
        let records = import::open(&fixture("subjects.jsonl"), Format::Jsonl).unwrap();
        let (subjects, errors) = collect(records, &["SECRET", "villain"]);
        let refs: Vec<&str> = subjects
            .iter()
            .map(|s| s.subject.local_ref.as_str())
            .collect();
        assert_eq!(refs, ["J-1", "J-3", "J-6"]);
        assert_eq!(subjects[1].origin.position, "line 4");
        let msgs: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(msgs.len(), 3, "{msgs:#?}");
        assert!(
            msgs[0].starts_with("subjects.jsonl: line 3, column "),
            "{msgs:#?}"
        );
        assert!(
            msgs[0].contains("unknown variant, expected one of `suspect`"),
            "{msgs:#?}"
        );
        assert!(
            msgs[1].starts_with("subjects.jsonl: line 5, column "),
            "{msgs:#?}"
        );
        assert!(
            msgs[1].contains("invalid type: string, expected a sequence"),
            "{msgs:#?}"
        );
        assert!(
            msgs[2].starts_with("subjects.jsonl: line 6, column 2: expected"),
            "{msgs:#?}"
        );
        assert!(errors.iter().all(|e| !e.is_fatal()));
    }

    #[test]
    fn overlong_and_non_utf8_lines_are_skipped() {
        let mut data = vec![b'{'; fiu_node::import::jsonl::MAX_LINE_BYTES + 10];
        data.extend_from_slice(b"\n\xff\n{\"local_ref\":\"ok\",\"category\":\"suspect\",\"type\":\"phone\",\"number\":\"1\"}");
        let (subjects, errors) = collect(JsonlReader::new(Cursor::new(data), "big.jsonl"), &[]);
        assert_eq!(subjects.len(), 1);
        assert_eq!(subjects[0].origin.position, "line 3");
        let msgs: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            msgs[0],
            format!(
                "big.jsonl: line 1: longer than {} bytes; skipped",
                fiu_node::import::jsonl::MAX_LINE_BYTES
            )
        );
        assert_eq!(msgs[1], "big.jsonl: line 2: not valid UTF-8");
    }
}

mod conformance {
    use super::*;

    /// The real goAML reports, kept outside the project in shared/goaml.
    fn shared_goaml() -> Option<PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/goaml");
        dir.is_dir().then_some(dir)
    }

    #[test]
    fn real_reports_import_completely() {
        let Some(dir) = shared_goaml() else {
            println!(
                "SKIPPED goAML conformance: {} not found (the real reports are not part of the repository)",
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../../shared/goaml")
                    .display()
            );
            return;
        };
        let mut seen = 0;
        for name in ["AIF.xml", "SAR.xml", "STR.xml"] {
            let path = dir.join(name);
            if !path.exists() {
                println!(
                    "SKIPPED goAML conformance for {name}: not in {}",
                    dir.display()
                );
                continue;
            }
            seen += 1;
            let xml = std::fs::read_to_string(&path).unwrap();
            let records = import::open(&path, Format::Goaml(GoamlCategories::default())).unwrap();
            let (subjects, errors) = collect(records, &[]);
            let got = type_counts(&subjects);
            let want = scan_counts(&xml);
            println!(
                "goAML conformance {name}: {} persons, {} entities, {} accounts, {} errors",
                got.0,
                got.1,
                got.2,
                errors.len()
            );
            assert!(errors.is_empty(), "{name}: {errors:#?}");
            assert_eq!(got, want, "{name}: (persons, entities, accounts)");
            assert!(got.0 + got.1 + got.2 > 0, "{name}: no subjects found");
            // Re-import is a no-op.
            let again = import::open(&path, Format::Goaml(GoamlCategories::default())).unwrap();
            let (again, _) = collect(again, &[]);
            assert_eq!(again, subjects, "{name}: re-import differs");
        }
        assert!(
            seen > 0,
            "shared/goaml exists but holds none of AIF.xml, SAR.xml, STR.xml"
        );
    }
}
