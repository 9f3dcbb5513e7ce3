//! goAML XML report → subjects → keys (`fiu-node import --format goaml`).

use fiu_node::import::{GoamlCategories, GoamlReader};

/// The most records one input is read for: a guard against a reader that never ends.
const MAX_ITEMS: usize = 100_000;

/// Reads `data` as a goAML report; derives the keys of every subject it yields.
///
/// Checks that nothing follows a fatal error and that the stream ends.
pub fn run(data: &[u8]) {
    let reader = GoamlReader::new(data, "fuzz.xml", GoamlCategories::default());
    let mut ended = false;
    let mut items = 0;
    for item in reader {
        assert!(!ended, "a record after a fatal error");
        items += 1;
        assert!(items <= MAX_ITEMS, "the reader does not end");
        match item {
            Ok(imported) => {
                assert!(!imported.subject.local_ref.is_empty(), "empty local_ref");
                super::common::derive_all(&imported.subject);
            }
            Err(e) => {
                ended = e.is_fatal();
                let _ = e.to_string();
            }
        }
    }
}
