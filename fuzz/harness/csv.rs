//! CSV export + column mapping → subjects → keys (`fiu-node import --format csv`).

use fiu_node::import::{CsvMapping, CsvReader};

/// The mapping of the import tests' fixture, used when the input brings none.
const FIXTURE_MAPPING: &str = include_str!("../../fiu-node/tests/fixtures/import/mapping.toml");

/// The most records one input is read for.
const MAX_ITEMS: usize = 100_000;

/// Splits `data` at its first NUL byte: the part before is a mapping file (TOML), the part
/// after the CSV. Without a NUL, or when the mapping is refused, the fixture mapping reads the
/// whole input.
pub fn run(data: &[u8]) {
    let (mapping, csv) = match data.iter().position(|&b| b == 0) {
        Some(i) => {
            let text = String::from_utf8_lossy(&data[..i]);
            match CsvMapping::from_toml(&text, "fuzz.toml") {
                Ok(m) => (m, &data[i + 1..]),
                Err(e) => {
                    let _ = e.to_string();
                    (fixture(), &data[i + 1..])
                }
            }
        }
        None => (fixture(), data),
    };
    let _ = mapping.columns();
    let mut ended = false;
    let mut items = 0;
    for item in CsvReader::new(csv, "fuzz.csv", mapping) {
        assert!(!ended, "a record after a fatal error");
        items += 1;
        assert!(items <= MAX_ITEMS, "the reader does not end");
        match item {
            Ok(imported) => super::common::derive_all(&imported.subject),
            Err(e) => {
                ended = e.is_fatal();
                let _ = e.to_string();
            }
        }
    }
}

fn fixture() -> CsvMapping {
    CsvMapping::from_toml(FIXTURE_MAPPING, "mapping.toml").expect("the fixture mapping is valid")
}
