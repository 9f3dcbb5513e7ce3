//! Match keys: the normalised, typed byte strings that become tokens.
//!
//! A subject yields several keys. Exact keys come from strong identifiers (IBAN, LEI,
//! document number with issuing country, wallet, IMO number, ...). Composite keys come from
//! names and dates and are built to survive what real data does to a subject between two FIUs;
//! docs/PROTOCOL.md lists each kind, the bytes it is made of, what it tolerates and what it
//! costs in false hits.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How much a hit on one key kind says on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// Only adds confidence to a hit that other keys decide.
    Weak,
    /// Two medium kinds together decide a hit; one alone does not.
    Medium,
    /// Decides a hit alone: a strong identifier, or full name with full date of birth.
    Strong,
}

macro_rules! key_kinds {
    ($( $(#[$doc:meta])* $name:ident = $code:literal, $label:literal, $strength:ident; )*) => {
        /// The kind of a match key. Its code is part of the token's HMAC input (domain
        /// separation) and of the wire format; codes are never reused.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[non_exhaustive]
        pub enum KeyKind {
            $( $(#[$doc])* $name, )*
        }

        impl KeyKind {
            /// Every kind, in code order.
            pub const ALL: &'static [KeyKind] = &[ $( KeyKind::$name, )* ];

            /// The kind's wire and HMAC-domain code.
            pub fn code(self) -> u16 {
                match self { $( KeyKind::$name => $code, )* }
            }

            /// The kind's stable name, as shown to investigators and in the audit log.
            pub fn label(self) -> &'static str {
                match self { $( KeyKind::$name => $label, )* }
            }

            /// What a hit on this kind says on its own.
            pub fn strength(self) -> Strength {
                match self { $( KeyKind::$name => Strength::$strength, )* }
            }

            /// The kind with this code, if any.
            pub fn from_code(code: u16) -> Option<KeyKind> {
                match code { $( $code => Some(KeyKind::$name), )* _ => None }
            }

            /// The kind with this label, if any.
            pub fn from_label(label: &str) -> Option<KeyKind> {
                match label { $( $label => Some(KeyKind::$name), )* _ => None }
            }
        }
    };
}

key_kinds! {
    /// IBAN, canonical electronic form.
    Iban = 0x0101, "iban", Strong;
    /// National account number with institution code.
    AccountNumber = 0x0102, "account_number", Strong;
    /// Legal Entity Identifier.
    Lei = 0x0201, "lei", Strong;
    /// Company-register number with register country.
    Registration = 0x0202, "registration", Strong;
    /// Tax or VAT number with issuing country.
    TaxNumber = 0x0203, "tax_number", Strong;
    /// Identity document number with issuing country.
    Document = 0x0301, "document", Strong;
    /// Crypto-asset wallet: chain and canonical address.
    Wallet = 0x0401, "wallet", Strong;
    /// IMO ship number.
    Imo = 0x0501, "imo", Strong;
    /// Aircraft registration mark.
    Aircraft = 0x0502, "aircraft", Strong;
    /// ISO 6346 container number.
    Container = 0x0503, "container", Strong;
    /// Telephone number, E.164.
    Phone = 0x0601, "phone", Strong;
    /// E-mail address.
    Email = 0x0602, "email", Strong;
    /// Person: every name token (sorted) and the full date of birth.
    PersonNameDob = 0x1001, "person_name_dob", Strong;
    /// Person: two of the name tokens and the full date of birth.
    PersonNamePairDob = 0x1002, "person_name_pair_dob", Medium;
    /// Person: phonetic codes of every name token and the full date of birth.
    PersonPhoneticDob = 0x1003, "person_phonetic_dob", Medium;
    /// Person: one name token, the initial of another, and the full date of birth.
    PersonTokenInitialDob = 0x1004, "person_token_initial_dob", Medium;
    /// Person: every name token and the year of birth.
    PersonNameYear = 0x1005, "person_name_year", Weak;
    /// Person: phonetic codes of every name token and the year of birth.
    PersonPhoneticYear = 0x1006, "person_phonetic_year", Weak;
    /// Entity: name tokens (legal form removed) and country.
    EntityNameCountry = 0x2001, "entity_name_country", Strong;
    /// Entity: phonetic codes of the name tokens and country.
    EntityPhoneticCountry = 0x2002, "entity_phonetic_country", Medium;
    /// Entity: name tokens alone.
    EntityName = 0x2003, "entity_name", Weak;
}

impl KeyKind {
    /// Position of the kind in [`KeyKind::ALL`].
    pub fn index(self) -> usize {
        // ALL is generated in declaration order, the same order as the enum's discriminants.
        self as usize
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One match key: a kind and the normalised bytes that the kind's recipe made.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MatchKey {
    kind: KeyKind,
    bytes: Vec<u8>,
}

impl MatchKey {
    /// Only the recipes in this module make keys, so a key's bytes always follow its kind's
    /// recipe.
    pub(crate) fn new(kind: KeyKind, bytes: Vec<u8>) -> Self {
        MatchKey { kind, bytes }
    }

    /// The key's kind.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The normalised key bytes (UTF-8 in every format-1 recipe). Personal data: never log.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for MatchKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The bytes are personal data; Debug shows only the kind and length.
        write!(f, "MatchKey({}, {} bytes)", self.kind, self.bytes.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_labels_and_indexes_are_consistent() {
        for (i, kind) in KeyKind::ALL.iter().enumerate() {
            assert_eq!(kind.index(), i);
            assert_eq!(KeyKind::from_code(kind.code()), Some(*kind));
            assert_eq!(KeyKind::from_label(kind.label()), Some(*kind));
        }
        let mut codes: Vec<u16> = KeyKind::ALL.iter().map(|k| k.code()).collect();
        codes.dedup();
        assert_eq!(codes.len(), KeyKind::ALL.len(), "codes are unique and ascending");
    }
}
