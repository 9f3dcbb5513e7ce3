//! placeholder
#[allow(missing_docs)]
pub mod fiu {
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/fiu.v1.rs"));
    }
}
