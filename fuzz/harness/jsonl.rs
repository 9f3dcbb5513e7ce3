//! JSON lines of subjects → subjects → keys (`fiu-node import --format jsonl`).

use fiu_node::import::JsonlReader;

/// The most records one input is read for.
const MAX_ITEMS: usize = 100_000;

/// Reads `data` as JSON lines; derives the keys of every subject.
pub fn run(data: &[u8]) {
    let mut ended = false;
    let mut items = 0;
    for item in JsonlReader::new(data, "fuzz.jsonl") {
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
