//! How the store's values are written to and read from database columns, and the folding of
//! rows into publications and statistics: the same for every backend.
//!
//! Every decoder treats the column as untrusted (a file edited by hand, a newer schema) and
//! returns [`StoreError::Corrupt`] naming what it could not read, never panics.

use chrono::{DateTime, Datelike, Days, NaiveDate};
use matcher::Token;
use matcher::hits::KeyedToken;
use matcher::keys::{KeyKind, Strength};
use matcher::token::TOKEN_LEN;

use std::collections::BTreeMap;

use crate::store::{
    Direction, FollowUpCounts, FollowUpState, Period, Publication, SignedBlob, StatisticsRow,
    StoreError, StoreResult,
};

/// Bytes of one token in a token list column: 2-byte kind code (big-endian) and the token.
const KEYED_TOKEN_LEN: usize = 2 + TOKEN_LEN;

/// Milliseconds in a UTC day.
pub(super) const DAY_MS: i64 = 86_400_000;

/// A list of keyed tokens as bytes: per token, the kind code (u16 big-endian) and 32 bytes.
pub(super) fn encode_tokens(tokens: &[KeyedToken]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tokens.len() * KEYED_TOKEN_LEN);
    for t in tokens {
        out.extend_from_slice(&t.kind.code().to_be_bytes());
        out.extend_from_slice(t.token.as_bytes());
    }
    out
}

/// Reads a list written by [`encode_tokens`].
pub(super) fn decode_tokens(bytes: &[u8]) -> StoreResult<Vec<KeyedToken>> {
    if bytes.len() % KEYED_TOKEN_LEN != 0 {
        return Err(StoreError::Corrupt(format!(
            "token list of {} bytes is not a multiple of {KEYED_TOKEN_LEN}",
            bytes.len()
        )));
    }
    bytes
        .chunks_exact(KEYED_TOKEN_LEN)
        .map(|chunk| {
            let (code, token) = chunk.split_at(2);
            Ok(KeyedToken {
                kind: kind_from_code(i64::from(u16::from_be_bytes([code[0], code[1]])))?,
                token: token_from_slice(token)?,
            })
        })
        .collect()
}

/// A token read from a BLOB column.
pub(super) fn token_from_slice(bytes: &[u8]) -> StoreResult<Token> {
    let array: [u8; TOKEN_LEN] = bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("token of {} bytes", bytes.len())))?;
    Ok(Token::from_bytes(array))
}

/// A key kind read from an INTEGER column holding its code.
pub(super) fn kind_from_code(code: i64) -> StoreResult<KeyKind> {
    u16::try_from(code)
        .ok()
        .and_then(KeyKind::from_code)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown key kind code {code:#06x}")))
}

/// Kinds as comma-separated labels (labels never contain a comma).
pub(super) fn encode_kinds(kinds: &[KeyKind]) -> String {
    kinds
        .iter()
        .map(|k| k.label())
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads a list written by [`encode_kinds`].
pub(super) fn decode_kinds(text: &str) -> StoreResult<Vec<KeyKind>> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|label| {
            KeyKind::from_label(label)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown key kind {label:?}")))
        })
        .collect()
}

/// A strength's column text.
pub(super) fn strength_str(s: Strength) -> &'static str {
    match s {
        Strength::Weak => "weak",
        Strength::Medium => "medium",
        Strength::Strong => "strong",
    }
}

/// Reads a strength's column text.
pub(super) fn strength_from(text: &str) -> StoreResult<Strength> {
    match text {
        "weak" => Ok(Strength::Weak),
        "medium" => Ok(Strength::Medium),
        "strong" => Ok(Strength::Strong),
        other => Err(StoreError::Corrupt(format!("unknown strength {other:?}"))),
    }
}

/// A direction's column text.
pub(super) fn direction_str(d: Direction) -> &'static str {
    match d {
        Direction::Outgoing => "outgoing",
        Direction::Incoming => "incoming",
    }
}

/// Reads a direction's column text.
pub(super) fn direction_from(text: &str) -> StoreResult<Direction> {
    match text {
        "outgoing" => Ok(Direction::Outgoing),
        "incoming" => Ok(Direction::Incoming),
        other => Err(StoreError::Corrupt(format!("unknown direction {other:?}"))),
    }
}

/// A follow-up state's column text.
pub(super) fn state_str(s: FollowUpState) -> &'static str {
    match s {
        FollowUpState::Pending => "pending",
        FollowUpState::Open => "open",
        FollowUpState::Accepted => "accepted",
        FollowUpState::Declined => "declined",
        FollowUpState::Responded => "responded",
        FollowUpState::NotFound => "not_found",
        FollowUpState::Failed => "failed",
    }
}

/// Reads a follow-up state's column text.
pub(super) fn state_from(text: &str) -> StoreResult<FollowUpState> {
    match text {
        "pending" => Ok(FollowUpState::Pending),
        "open" => Ok(FollowUpState::Open),
        "accepted" => Ok(FollowUpState::Accepted),
        "declined" => Ok(FollowUpState::Declined),
        "responded" => Ok(FollowUpState::Responded),
        "not_found" => Ok(FollowUpState::NotFound),
        "failed" => Ok(FollowUpState::Failed),
        other => Err(StoreError::Corrupt(format!(
            "unknown follow-up state {other:?}"
        ))),
    }
}

/// Per-token "found" flags as one byte each (0 or 1).
pub(super) fn encode_flags(flags: &[bool]) -> Vec<u8> {
    flags.iter().map(|&f| u8::from(f)).collect()
}

/// Reads flags written by [`encode_flags`].
pub(super) fn decode_flags(bytes: &[u8]) -> StoreResult<Vec<bool>> {
    bytes
        .iter()
        .map(|b| match b {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(StoreError::Corrupt(format!("token flag byte {other}"))),
        })
        .collect()
}

/// The UTC day number (days since 1970-01-01) of a time in ms, rounding towards the past:
/// what the statistics query computes in SQL.
#[cfg(test)]
pub(super) fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

/// Start (ms) of the period that contains UTC day `day`.
pub(super) fn period_start_ms(period: Period, day: i64) -> StoreResult<i64> {
    let date = DateTime::from_timestamp_millis(day.saturating_mul(DAY_MS))
        .ok_or_else(|| StoreError::Corrupt(format!("day {day} is out of range")))?
        .date_naive();
    let start = match period {
        Period::Day => Some(date),
        Period::Week => {
            date.checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())))
        }
        Period::Month => NaiveDate::from_ymd_opt(date.year(), date.month(), 1),
    }
    .ok_or_else(|| StoreError::Corrupt(format!("no period start for day {day}")))?;
    Ok(start
        .and_time(chrono::NaiveTime::MIN)
        .and_utc()
        .timestamp_millis())
}

/// A fixed-length value (hash, signature) read from a byte column; `what` names it in the
/// error.
pub(super) fn fixed_bytes<const N: usize>(bytes: &[u8], what: &str) -> StoreResult<[u8; N]> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("{what} is {} bytes, not {N}", bytes.len())))
}

/// A publication sequence number as a column value (sequence numbers stay below 2^63).
pub(super) fn seq_value(seq: u64) -> StoreResult<i64> {
    i64::try_from(seq)
        .map_err(|_| StoreError::Conflict(format!("sequence number {seq} is too large")))
}

/// Rows of a publication table, `(kind, blob)` ordered by seq, made into a publication.
pub(super) fn publication_of(rows: Vec<(String, SignedBlob)>) -> Option<Publication> {
    let mut snapshot: Option<SignedBlob> = None;
    let mut deltas = Vec::new();
    for (kind, blob) in rows {
        if kind == "snapshot" {
            snapshot = Some(blob);
            deltas.clear();
        } else if snapshot.is_some() {
            deltas.push(blob);
        }
    }
    snapshot.map(|snapshot| Publication { snapshot, deltas })
}

/// Checks that a delta can follow the publication whose latest sequence number and
/// snapshot sequence number are given.
pub(super) fn check_delta(
    whose: &str,
    delta: &SignedBlob,
    snapshot_seq: Option<u64>,
    last_seq: Option<u64>,
) -> StoreResult<()> {
    match (snapshot_seq, last_seq) {
        (None, _) => Err(StoreError::Conflict(format!(
            "{whose}: delta {} has no snapshot before it",
            delta.seq
        ))),
        (Some(_), Some(last)) if delta.seq <= last => Err(StoreError::Conflict(format!(
            "{whose}: delta {} is not after the last publication {last}",
            delta.seq
        ))),
        _ => Ok(()),
    }
}

/// The row of `peer` for the period that contains UTC day `day`, made empty if new.
pub(super) fn statistics_row(
    rows: &mut BTreeMap<(i64, String), StatisticsRow>,
    period: Period,
    peer: String,
    day: i64,
) -> StoreResult<&mut StatisticsRow> {
    let start = period_start_ms(period, day)?;
    Ok(rows.entry((start, peer.clone())).or_insert(StatisticsRow {
        peer,
        period_start_ms: start,
        hits: 0,
        outgoing: FollowUpCounts::default(),
        incoming: FollowUpCounts::default(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(y: i32, m: u32, d: u32) -> i64 {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
    }

    #[test]
    fn tokens_round_trip_and_bad_lengths_or_kinds_are_refused() {
        let tokens = vec![
            KeyedToken {
                kind: KeyKind::Iban,
                token: Token::from_bytes([1; 32]),
            },
            KeyedToken {
                kind: KeyKind::EntityName,
                token: Token::from_bytes([2; 32]),
            },
        ];
        let bytes = encode_tokens(&tokens);
        assert_eq!(bytes.len(), 68);
        assert_eq!(&bytes[..2], &[0x01, 0x01]);
        assert_eq!(decode_tokens(&bytes).unwrap(), tokens);
        assert!(decode_tokens(&bytes[..67]).is_err());
        let mut bad = bytes.clone();
        bad[0] = 0xff;
        assert!(decode_tokens(&bad).is_err());
        assert!(decode_tokens(&[]).unwrap().is_empty());
    }

    #[test]
    fn kinds_round_trip() {
        let kinds = [KeyKind::Iban, KeyKind::PersonNameDob];
        assert_eq!(encode_kinds(&kinds), "iban,person_name_dob");
        assert_eq!(decode_kinds("iban,person_name_dob").unwrap(), kinds);
        assert!(decode_kinds("").unwrap().is_empty());
        assert!(decode_kinds("iban,,lei").is_err());
    }

    #[test]
    fn period_starts_are_utc_day_iso_week_and_month() {
        // 2024-05-16 is a Thursday.
        let day = day_of(ms(2024, 5, 16) + 13 * 3_600_000);
        assert_eq!(period_start_ms(Period::Day, day).unwrap(), ms(2024, 5, 16));
        assert_eq!(period_start_ms(Period::Week, day).unwrap(), ms(2024, 5, 13));
        assert_eq!(period_start_ms(Period::Month, day).unwrap(), ms(2024, 5, 1));
        // A Monday is its own week start; a Sunday belongs to the Monday before.
        let monday = day_of(ms(2024, 5, 13));
        assert_eq!(
            period_start_ms(Period::Week, monday).unwrap(),
            ms(2024, 5, 13)
        );
        let sunday = day_of(ms(2024, 5, 19) + DAY_MS - 1);
        assert_eq!(
            period_start_ms(Period::Week, sunday).unwrap(),
            ms(2024, 5, 13)
        );
        // Before 1970 the day still rounds towards the past.
        assert_eq!(day_of(-1), -1);
        assert_eq!(period_start_ms(Period::Day, day_of(-1)).unwrap(), -DAY_MS);
    }

    #[test]
    fn flags_and_names_round_trip() {
        assert_eq!(
            decode_flags(&encode_flags(&[true, false])).unwrap(),
            [true, false]
        );
        assert!(decode_flags(&[2]).is_err());
        for s in [
            FollowUpState::Pending,
            FollowUpState::Open,
            FollowUpState::Accepted,
            FollowUpState::Declined,
            FollowUpState::Responded,
            FollowUpState::NotFound,
            FollowUpState::Failed,
        ] {
            assert_eq!(state_from(state_str(s)).unwrap(), s);
        }
        for d in [Direction::Outgoing, Direction::Incoming] {
            assert_eq!(direction_from(direction_str(d)).unwrap(), d);
        }
        for s in [Strength::Weak, Strength::Medium, Strength::Strong] {
            assert_eq!(strength_from(strength_str(s)).unwrap(), s);
        }
    }
}
