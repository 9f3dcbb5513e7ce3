//! Wall-clock time as the node stores and sends it: milliseconds since the Unix epoch in the
//! store, protobuf timestamps on the wire. One place, so every module converts the same way.

/// Now, in milliseconds since the Unix epoch (UTC).
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Milliseconds since the Unix epoch as a protobuf timestamp (correct before 1970 too).
pub fn timestamp(ms: i64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: ms.div_euclid(1000),
        nanos: (ms.rem_euclid(1000) * 1_000_000) as i32,
    }
}

/// A protobuf timestamp as milliseconds since the Unix epoch (saturating).
pub fn millis(t: &prost_types::Timestamp) -> i64 {
    t.seconds
        .saturating_mul(1000)
        .saturating_add(i64::from(t.nanos) / 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_including_before_1970() {
        for ms in [0, 1, 999, 1_000, 1_763_860_000_123, -1, -999, -1_001] {
            assert_eq!(millis(&timestamp(ms)), ms, "{ms}");
            assert!((0..1_000_000_000).contains(&timestamp(ms).nanos));
        }
    }
}
