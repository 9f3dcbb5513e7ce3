//! The gRPC contract of the FIU node: package `fiu.v1`, its generated messages, clients and
//! servers, and the glue between the wire form and the matcher's model.
//!
//! Three services, one per role (proto/README.md says who calls what):
//!
//! - [`v1::ingest_server::Ingest`]: the operator loads and deletes subjects.
//! - [`v1::peering_server::Peering`]: nodes exchange signed filters and follow-up messages.
//! - [`v1::investigator_server::Investigator`]: look-ups, hits, follow-ups and statistics.
//!
//! The matching clients are [`v1::ingest_client::IngestClient`],
//! [`v1::peering_client::PeeringClient`] and [`v1::investigator_client::InvestigatorClient`].
//!
//! # Layout
//!
//! - `fiu/v1/*.proto`: the contract, every message, field, rpc and enum value documented;
//!   `common.proto` holds the subject model, hits, tokens, field errors and paging.
//! - `build.rs`: compiles the files with `protox` (no system `protoc`) and generates the code
//!   with `tonic-prost-build`; writes the descriptor set for reflection.
//! - [`v1`] (alias of `fiu::v1`): the generated code.
//! - [`limits`]: every size and count the contract promises, as named constants.
//! - [`convert`]: the proto subject to and from [`matcher::Subject`], key kinds, tokens.
//! - [`signing`]: the exact byte strings the Ed25519 signatures of the peering messages cover.
//! - [`FILE_DESCRIPTOR_SET`]: the encoded descriptors, for `tonic-reflection`; each
//!   `*_server::SERVICE_NAME` names its service for health checks.
//!
//! # Design
//!
//! - The proto subject mirrors `matcher::subject::Subject` field for field, `optional` where
//!   the Rust field is an `Option`, so a JSON-lines subject and a gRPC subject convert both
//!   ways without loss and one validator (the matcher's) judges both. The conversion only
//!   refuses what the Rust type cannot hold (no record, an unknown category, a date that is
//!   not `YYYY-MM-DD`); whether an IBAN is valid stays the matcher's question, answered with
//!   the same field paths.
//! - Signatures cover a byte string laid out by hand ([`signing`]), not the protobuf encoding:
//!   protobuf allows several encodings of one message (field order, unknown fields), so a
//!   receiver that re-encodes could not check a signature over the sender's bytes. The
//!   alternative, shipping the signed encoding as an opaque `bytes` field, would hide every
//!   field from reflection, logs and other languages' tooling.
//! - Filter snapshots travel as a signed header followed by chunks: a filter of 10 million
//!   subjects is hundreds of megabytes, far above any sensible gRPC message limit, and the
//!   signature covers the snapshot's BLAKE3 content id, so the chunks need no signature of
//!   their own.
//! - Key kinds travel as their labels (`iban`), not their numeric codes: clients and logs
//!   read them without a table, and an unknown label is refused by name.
//! - Code is generated at build time rather than checked in: the `.proto` files stay the one
//!   source, and `protox` keeps the build free of system tools.

#![warn(missing_docs)]

pub mod convert;
pub mod limits;
pub mod signing;

/// Generated code, by protobuf package.
pub mod fiu {
    /// Package `fiu.v1`: messages, enums, and for each service a `*_client` and a `*_server`
    /// module.
    //
    // No `allow(missing_docs)`: prost turns the .proto comments into doc comments, so the
    // crate's `missing_docs` lint also catches an undocumented message, field, rpc or value.
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/fiu.v1.rs"));
    }
}

pub use fiu::v1;

pub use convert::ConvertError;

/// The encoded `google.protobuf.FileDescriptorSet` of package `fiu.v1` and its imports, with
/// source info, for serving gRPC reflection
/// (`tonic_reflection::server::Builder::register_encoded_file_descriptor_set`).
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/fiu_v1_descriptor.bin"));

#[cfg(test)]
mod tests {
    use prost::Message as _;

    use super::*;

    #[test]
    fn descriptor_set_holds_every_service_and_its_imports() {
        let fds = prost_types::FileDescriptorSet::decode(FILE_DESCRIPTOR_SET)
            .expect("the build script wrote a valid descriptor set");
        let names: Vec<&str> = fds.file.iter().map(|f| f.name()).collect();
        for file in [
            "fiu/v1/common.proto",
            "fiu/v1/ingest.proto",
            "fiu/v1/peering.proto",
            "fiu/v1/investigator.proto",
            "google/protobuf/timestamp.proto",
        ] {
            assert!(names.contains(&file), "{file} missing from {names:?}");
        }
        let services: Vec<String> = fds
            .file
            .iter()
            .flat_map(|f| {
                f.service
                    .iter()
                    .map(move |s| format!("{}.{}", f.package(), s.name()))
            })
            .collect();
        for s in [
            v1::ingest_server::SERVICE_NAME,
            v1::peering_server::SERVICE_NAME,
            v1::investigator_server::SERVICE_NAME,
        ] {
            assert!(
                services.iter().any(|x| x == s),
                "{s} missing from {services:?}"
            );
        }
    }
}
