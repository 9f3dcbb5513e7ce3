//! `fiu-node`: the node binary (being written: see the node issue).
fn main() {
    eprintln!("fiu-node: the node is not built yet; see README.md");
    std::process::exit(2);
}
