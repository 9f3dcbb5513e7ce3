//! Every size and count the `fiu.v1` contract promises. The `.proto` comments quote these
//! numbers; the node enforces them and answers a call over one with `RESOURCE_EXHAUSTED`
//! (or `INVALID_ARGUMENT` for an empty required text). Text limits are in UTF-8 bytes.

/// The largest encoded gRPC message either side sends or accepts (4 MiB, tonic's default
/// decoding limit): large enough for a full batch of subjects, small enough that one message
/// never holds a connection or much memory for long. Filter snapshots are chunked to fit.
pub const MAX_MESSAGE_BYTES: usize = 4 << 20;

/// Subjects in one `UpsertBatch`: a thousand typical subjects are well under
/// [`MAX_MESSAGE_BYTES`], and one batch is one store transaction, so a crash loses at most the
/// batch in flight.
pub const MAX_SUBJECTS_PER_BATCH: usize = 1000;

/// `FieldError`s listed in an `IngestSummary`; the rest are only counted
/// (`errors_omitted`), so a file of garbage cannot make the summary itself too large.
pub const MAX_REPORTED_ERRORS: usize = 1000;

/// Local references in one `DeleteRequest`.
pub const MAX_DELETE_REFS: usize = 10_000;

/// Bytes of a `local_ref`.
pub const MAX_LOCAL_REF_BYTES: usize = 256;

/// Bytes of an `UpsertBatch.source`.
pub const MAX_SOURCE_BYTES: usize = 256;

/// Bytes of a case reference.
pub const MAX_CASE_REFERENCE_BYTES: usize = 256;

/// Bytes of a legal basis, a purpose or a deletion reason.
pub const MAX_TEXT_BYTES: usize = 2000;

/// Bytes of a follow-up answer's message.
pub const MAX_FOLLOW_UP_MESSAGE_BYTES: usize = 8000;

/// Tokens in one follow-up request: far more than one subject yields (a few dozen keys), few
/// enough that a request cannot be used to probe a peer's index in bulk.
pub const MAX_TOKENS_PER_FOLLOW_UP: usize = 256;

/// Bytes of one `FilterChunk.data` (1 MiB): a quarter of [`MAX_MESSAGE_BYTES`], so a chunk
/// with its framing always fits.
pub const MAX_FILTER_CHUNK_BYTES: usize = 1 << 20;

/// Bytes of one `SignedDelta.delta` (1 MiB, about 200 000 bit positions); a publisher splits a
/// larger batch into several deltas.
pub const MAX_DELTA_BYTES: usize = 1 << 20;

/// Items per page when `PageRequest.page_size` is 0.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// The largest page; a larger `page_size` is clamped to it.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// Bytes of a token (`KeyedToken.token`): an HMAC-SHA256 output.
pub const TOKEN_BYTES: usize = matcher::token::TOKEN_LEN;

/// Bytes of an Ed25519 signature.
pub const SIGNATURE_BYTES: usize = 64;

/// Bytes of a filter content id (BLAKE3).
pub const CONTENT_ID_BYTES: usize = 32;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_and_deltas_fit_in_a_message() {
        const { assert!(MAX_FILTER_CHUNK_BYTES + 1024 < MAX_MESSAGE_BYTES) };
        const { assert!(MAX_DELTA_BYTES + 1024 < MAX_MESSAGE_BYTES) };
        const { assert!(DEFAULT_PAGE_SIZE <= MAX_PAGE_SIZE) };
    }
}
