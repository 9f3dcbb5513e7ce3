//! Compiles proto/fiu/v1/*.proto with protox (pure Rust, no system `protoc`), generates the
//! messages and the tonic clients and servers from the descriptor set, and writes the full
//! descriptor set (with its imports) to `OUT_DIR/fiu_v1_descriptor.bin` for gRPC reflection.

use std::path::PathBuf;

use prost::Message as _;

/// The files of package fiu.v1, relative to the include root `proto/`.
const PROTOS: &[&str] = &[
    "fiu/v1/common.proto",
    "fiu/v1/audit.proto",
    "fiu/v1/ingest.proto",
    "fiu/v1/peering.proto",
    "fiu/v1/investigator.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    for proto in PROTOS {
        println!("cargo:rerun-if-changed={proto}");
    }
    println!("cargo:rerun-if-changed=build.rs");

    // With its imports (google/protobuf/timestamp.proto, from protox's built-in copies), so a
    // reflection client can resolve every type; with source info, so the comments become docs.
    let fds = protox::compile(PROTOS, ["."])?;
    std::fs::write(out_dir.join("fiu_v1_descriptor.bin"), fds.encode_to_vec())?;

    // prost-build maps the well-known types to prost_types and needs their descriptors to
    // do so.
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(fds)?;
    Ok(())
}
