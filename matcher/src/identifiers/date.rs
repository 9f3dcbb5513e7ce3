//! Dates, full or partial (dates of birth are often known only to the year or month).

use std::fmt;

use super::{InvalidIdentifier, check_raw_len};

const DATE: &str = "date";

/// The earliest year accepted: older dates in a case file are typing errors.
pub const MIN_YEAR: u16 = 1800;
/// The latest year accepted: later dates are typing errors (expiry dates can lie some
/// decades ahead, so the bound is generous).
pub const MAX_YEAR: u16 = 2200;

/// How much of a date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DatePrecision {
    /// Only the year (`1980`).
    Year,
    /// Year and month (`1980-03`).
    YearMonth,
    /// Year, month and day (`1980-03-14`).
    Full,
}

/// A date known to the year, the month or the day.
///
/// Invariants: `MIN_YEAR <= year <= MAX_YEAR`; a day only with a month; the date exists
/// (30 April but not 31 April; 29 February only in leap years).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartialDate {
    year: u16,
    month: Option<u8>,
    day: Option<u8>,
}

impl PartialDate {
    /// The year.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month (1 to 12), if known.
    pub fn month(&self) -> Option<u8> {
        self.month
    }

    /// The day of the month, if known (then the month is known too).
    pub fn day(&self) -> Option<u8> {
        self.day
    }

    /// How much of the date is known.
    pub fn precision(&self) -> DatePrecision {
        match (self.month, self.day) {
            (Some(_), Some(_)) => DatePrecision::Full,
            (Some(_), None) => DatePrecision::YearMonth,
            _ => DatePrecision::Year,
        }
    }

    /// The canonical ISO 8601 form at the known precision: `1980`, `1980-03` or
    /// `1980-03-14`, the one that goes into match keys.
    pub fn iso(&self) -> String {
        self.to_string()
    }

    /// Builds a date after checking every invariant; `None` if one fails.
    pub(super) fn new(year: u32, month: Option<u32>, day: Option<u32>) -> Option<PartialDate> {
        let year = u16::try_from(year).ok()?;
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return None;
        }
        let month = match month {
            Some(m @ 1..=12) => Some(m as u8),
            Some(_) => return None,
            None => None,
        };
        let day = match (day, month) {
            (Some(d @ 1..=31), Some(m)) if d <= u32::from(days_in_month(year, m)) => Some(d as u8),
            (Some(_), _) => return None,
            (None, _) => None,
        };
        Some(PartialDate { year, month, day })
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

fn is_leap(year: u16) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 31,
    }
}

/// English month names and their three-letter abbreviations (and `sept`), lowercase.
fn month_number(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if word == "sept" {
        return Some(9);
    }
    MONTHS
        .iter()
        .position(|m| *m == word || (word.len() == 3 && m.starts_with(word)))
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// A piece of a written date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    /// A run of ASCII digits: its value and how many digits were written.
    Number(u32, usize),
    /// A run of ASCII letters, lowercase.
    Word(&'a str),
    /// A single separator character: `-`, `/`, `.`, `,` or a space (runs of spaces are one).
    Sep(char),
}

/// Splits `s` (lowercase ASCII) into tokens; `None` on any other character or a number of
/// more than 8 digits.
fn tokenise(s: &str) -> Option<Vec<Token<'_>>> {
    let bytes = s.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let b = bytes[i];
        if b.is_ascii_digit() {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let len = i - start;
            if len > 8 {
                return None;
            }
            tokens.push(Token::Number(s[start..i].parse().ok()?, len));
        } else if b.is_ascii_lowercase() {
            while i < bytes.len() && bytes[i].is_ascii_lowercase() {
                i += 1;
            }
            tokens.push(Token::Word(&s[start..i]));
        } else if b == b' ' {
            while i < bytes.len() && bytes[i] == b' ' {
                i += 1;
            }
            tokens.push(Token::Sep(' '));
        } else if matches!(b, b'-' | b'/' | b'.' | b',') {
            i += 1;
            tokens.push(Token::Sep(char::from(b)));
        } else {
            return None;
        }
    }
    Some(tokens)
}

/// Drops the time and zone from an ISO date-time (`1980-03-14T00:00:00+01:00`, as goAML's
/// `xs:dateTime` writes dates, or `1980-03-14 00:00:00` as spreadsheets export them) or a
/// zoned ISO date (`1980-03-14Z`, `1980-03-14+01:00`), keeping the date part.
fn strip_time(s: &str) -> &str {
    let b = s.as_bytes();
    let iso_date = b.len() > 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit);
    if !iso_date {
        return s;
    }
    let rest = &b[10..];
    let time_like = rest.len() > 1
        && matches!(rest[0], b't' | b' ' | b'+' | b'-')
        && rest[1].is_ascii_digit()
        && rest[1..]
            .iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b':' | b'.' | b'+' | b'-' | b'z'));
    if rest == b"z" || time_like {
        &s[..10]
    } else {
        s
    }
}

/// Year, month and day from two day/month numbers `a` and `b` written day first; month first
/// only if day first gives no date.
fn day_first(a: u32, b: u32, year: u32) -> Option<PartialDate> {
    PartialDate::new(year, Some(b), Some(a)).or_else(|| PartialDate::new(year, Some(a), Some(b)))
}

/// Validates a date in one of the forms dates of birth arrive in and returns it at the
/// precision the source gave:
///
/// - ISO: `1980-03-14`, `1980-03-14T00:00:00` (time and zone ignored), `1980-03`, `1980`,
///   also with `/` or `.` (`1980/03/14`), and `19800314`;
/// - day first with `.`, `/` or `-`: `14.03.1980`, `14/03/1980`, `14-03-1980`; when that is
///   no date but month first is (`03/25/1980`), month first;
/// - month and year: `03/1980`, `03.1980`;
/// - English month names or three-letter abbreviations, any case: `14 March 1980`,
///   `14-Mar-1980`, `March 14, 1980`, `March 1980`.
///
/// Two-digit years are refused: the century cannot be known.
pub fn date(raw: &str) -> Result<PartialDate, InvalidIdentifier> {
    check_raw_len(raw, DATE)?;
    let lower = raw.trim().to_ascii_lowercase();
    if lower.is_empty() {
        return Err(InvalidIdentifier::Empty);
    }
    let Some(tokens) = tokenise(strip_time(&lower)) else {
        return Err(malformed(
            "has characters or numbers that no date format uses",
        ));
    };
    let parsed = match parse_tokens(&tokens) {
        Some(parsed) => parsed,
        None => return Err(malformed("is not in a supported date format")),
    };
    parsed.ok_or_else(|| malformed("is not a real date, or its year is outside 1800 to 2200"))
}

fn malformed(reason: &'static str) -> InvalidIdentifier {
    InvalidIdentifier::Malformed { what: DATE, reason }
}

/// Recognises a format: `None` if no format fits; `Some(None)` if one fits but the numbers
/// make no date in range.
fn parse_tokens(tokens: &[Token<'_>]) -> Option<Option<PartialDate>> {
    use Token::{Number as N, Sep as S, Word as W};

    let is_num_sep = |c: char| matches!(c, '-' | '/' | '.');
    // Separators around month names: any mix of spaces, hyphens, dots and commas.
    let loose: Vec<Token<'_>> = {
        let mut out: Vec<Token<'_>> = Vec::new();
        for &t in tokens {
            match (t, out.last()) {
                (S(_), Some(S(_))) => {}
                (S(_), _) => out.push(S(' ')),
                _ => out.push(t),
            }
        }
        out
    };
    let has_word = tokens.iter().any(|t| matches!(t, W(_)));

    if !has_word {
        return Some(match *tokens {
            [N(y, 4)] => PartialDate::new(y, None, None),
            [N(v, 8)] => PartialDate::new(v / 10_000, Some(v / 100 % 100), Some(v % 100)),
            [N(y, 4), S(s1), N(m, 1..=2), S(s2), N(d, 1..=2)] if s1 == s2 && is_num_sep(s1) => {
                PartialDate::new(y, Some(m), Some(d))
            }
            [N(a, 1..=2), S(s1), N(b, 1..=2), S(s2), N(y, 4)] if s1 == s2 && is_num_sep(s1) => {
                day_first(a, b, y)
            }
            [N(y, 4), S('-' | '/' | '.'), N(m, 1..=2)] => PartialDate::new(y, Some(m), None),
            [N(m, 1..=2), S('-' | '/' | '.'), N(y, 4)] => PartialDate::new(y, Some(m), None),
            _ => return None,
        });
    }

    Some(match *loose.as_slice() {
        // 14 March 1980, 14-Mar-1980, 14 Mar. 1980
        [N(d, 1..=2), S(_), W(w), S(_), N(y, 4)] => {
            PartialDate::new(y, Some(month_number(w)?), Some(d))
        }
        // March 14, 1980
        [W(w), S(_), N(d, 1..=2), S(_), N(y, 4)] => {
            PartialDate::new(y, Some(month_number(w)?), Some(d))
        }
        // March 1980
        [W(w), S(_), N(y, 4)] => PartialDate::new(y, Some(month_number(w)?), None),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(raw: &str) -> String {
        date(raw).unwrap_or_else(|e| panic!("{raw}: {e}")).iso()
    }

    #[test]
    fn full_dates_in_every_form() {
        for raw in [
            "1980-03-14",
            "1980-3-14",
            "1980-03-14T00:00:00",
            "1980-03-14T12:30:00.000+01:00",
            "1980-03-14Z",
            "1980-03-14+01:00",
            "1980-03-14 00:00:00",
            "19800314",
            "14.03.1980",
            "14/03/1980",
            "14-03-1980",
            "14.3.1980",
            "1980/03/14",
            "1980.03.14",
            "14 March 1980",
            "14 mar 1980",
            "14 MAR 1980",
            "14-Mar-1980",
            "14 Mar. 1980",
            "March 14, 1980",
            "march 14 1980",
            " 14 March 1980 ",
        ] {
            assert_eq!(iso(raw), "1980-03-14", "{raw}");
        }
    }

    #[test]
    fn day_first_unless_impossible() {
        // Both readings possible: day first.
        assert_eq!(iso("03/04/1980"), "1980-04-03");
        // First number > 12: day first anyway.
        assert_eq!(iso("25/03/1980"), "1980-03-25");
        // Day first impossible, month first valid.
        assert_eq!(iso("03/25/1980"), "1980-03-25");
        // Neither.
        assert!(date("25/25/1980").is_err());
        // 31 April is no date, and there is no month 31.
        assert!(date("31/04/1980").is_err());
    }

    #[test]
    fn partial_dates() {
        let d = date("1980-03").unwrap();
        assert_eq!(d.precision(), DatePrecision::YearMonth);
        assert_eq!((d.year(), d.month(), d.day()), (1980, Some(3), None));
        assert_eq!(d.iso(), "1980-03");
        assert_eq!(iso("03/1980"), "1980-03");
        assert_eq!(iso("3.1980"), "1980-03");
        assert_eq!(iso("March 1980"), "1980-03");
        assert_eq!(iso("Sept 1980"), "1980-09");
        let y = date("1980").unwrap();
        assert_eq!(y.precision(), DatePrecision::Year);
        assert_eq!(y.to_string(), "1980");
        assert_eq!(date("1980-03-14").unwrap().precision(), DatePrecision::Full);
    }

    #[test]
    fn february_29() {
        assert_eq!(iso("29.02.2000"), "2000-02-29");
        assert_eq!(iso("1980-02-29"), "1980-02-29");
        assert!(date("1900-02-29").is_err());
        assert!(date("29.02.1981").is_err());
        assert!(date("1981-02-30").is_err());
        assert!(date("1980-04-31").is_err());
    }

    #[test]
    fn refusals() {
        for raw in [
            "14.03.80",
            "1799",
            "2201",
            "1980-13",
            "1980-00-10",
            "1980-03-00",
            "0",
            "14 Mars 1980",
            "14th March 1980",
            "1980-03-14 garbage",
            "14/03-1980",
            "1980-03-14T",
            "1980-03-14Tnoon",
            "1980-03-14+",
            "born 1980",
            "123456789",
            "١٩٨٠",
        ] {
            assert!(
                matches!(date(raw), Err(InvalidIdentifier::Malformed { .. })),
                "{raw}"
            );
        }
        assert_eq!(date("  "), Err(InvalidIdentifier::Empty));
    }

    #[test]
    fn canonical_round_trips() {
        for raw in ["14 Mar 1980", "03/1980", "1980", "29.02.2000"] {
            let d = date(raw).unwrap();
            assert_eq!(date(&d.iso()).unwrap(), d);
        }
    }
}
