//! The code against the committed known-answer vectors in docs/vectors/. A failure here means
//! a change to a byte format, the key recipe or the token derivation: either a bug, or a format
//! change that needs a new format version and regenerated vectors
//! (`cargo run -p matcher --example vectors -- docs/vectors`).

use super::vector_cases;

use serde_json::Value;

fn committed(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/vectors")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

#[test]
fn code_matches_every_committed_vector() {
    for (name, computed) in vector_cases::all() {
        let expected = committed(name);
        assert_eq!(
            computed, expected,
            "docs/vectors/{name} differs from what the code computes"
        );
    }
}

#[test]
fn vectors_cover_every_record_type_and_the_cross_script_person() {
    let keys = committed("keys.json");
    let cases = keys["cases"].as_array().expect("cases");
    let types: std::collections::BTreeSet<&str> = cases
        .iter()
        .filter_map(|c| c["subject"]["type"].as_str())
        .collect();
    for t in [
        "person",
        "entity",
        "account",
        "wallet",
        "vessel",
        "container",
        "aircraft",
        "email",
        "phone",
    ] {
        assert!(types.contains(t), "no vector for {t}");
    }
    // V1 (Latin, ISO date) and V2 (Cyrillic, swapped order, dotted date) are the same person:
    // they must share their person_name_dob token.
    let token_of = |i: usize, kind: &str| -> Option<String> {
        cases[i]["keys"]
            .as_array()?
            .iter()
            .find(|k| k["kind"] == kind)
            .and_then(|k| k["token"].as_str().map(str::to_owned))
    };
    let a = token_of(0, "person_name_dob").expect("V1 has a name+dob key");
    assert_eq!(Some(a), token_of(1, "person_name_dob"));
}
