//! Name normalisation: from a name as some FIU wrote it to the tokens both sides agree on.
//!
//! Two FIUs that wrote the same person differently (`Александр Пушкин`, `Pushkin,
//! Aleksandr`, `Alexander PUSHKIN`) must end with the same tokens, or their keys never meet.
//! Every step here is therefore part of the interoperable format and is specified, in order,
//! in docs/PROTOCOL.md section 2; the word lists live in `tables.rs`.
//!
//! - [`fold`]: the shared first stage (NFKC, transliteration with `any_ascii` 0.3, lower case,
//!   punctuation to spaces, apostrophes inside words dropped).
//! - [`person_name`] and [`entity_name`]: fold, then drop what is not the name (titles,
//!   suffixes, legal forms), join particles, sort and deduplicate into a [`NormalisedName`].
//! - [`legal_form`]: the legal form an entity name states, for display.
//! - [`phonetic`]: the phonetic code of one token.
//! - [`skeleton`]: the consonant skeleton of one token.
//!
//! Token order is thrown away on purpose: name order is the most common disagreement between
//! sources (family name first or last, with or without a comma), and the keys that need more
//! precision add the date of birth instead. The positional rules (particles, initialisms,
//! multi-word legal forms) are applied again to the sorted result until nothing changes, so
//! that normalising the joined output of a normalisation gives the same name back.

mod phonetic;
mod skeleton;
mod tables;

pub use phonetic::phonetic;
pub use skeleton::skeleton;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// A normalised person or entity name: its tokens, sorted and deduplicated.
///
/// Invariants, upheld by the only constructors ([`person_name`], [`entity_name`]): every
/// token is non-empty and only ASCII `[a-z0-9]`; tokens are sorted bytewise and distinct.
/// Keys are built from these tokens, so the type keeps a raw string from ever reaching a key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct NormalisedName {
    tokens: Vec<String>,
}

impl NormalisedName {
    /// Sorts and deduplicates `tokens`, which the caller guarantees are non-empty
    /// `[a-z0-9]`.
    fn from_tokens(mut tokens: Vec<String>) -> Self {
        tokens.sort_unstable();
        tokens.dedup();
        Self { tokens }
    }

    /// The tokens, sorted and distinct: what the key recipe combines.
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }

    /// True when nothing of the name survived (for instance a name that was only a title);
    /// such a name yields no name keys.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The number of tokens, which decides which name keys a subject can have.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// The tokens joined by single spaces: the canonical text form, as shown to the local
    /// investigator and as fed to key building.
    pub fn joined(&self) -> String {
        self.tokens.join(" ")
    }
}

/// Whether the fold keeps comma boundaries and splits Chinese characters (person names), or
/// treats every separator alike (the public [`fold`], entity names).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Every separator is a space.
    Plain,
    /// Commas (and semicolons) are kept as `,` between parts; a run of CJK ideographs is
    /// split after its first character (the family name).
    Person,
}

/// A pending separator in the fold output.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sep {
    /// Nothing pending.
    None,
    /// A space.
    Space,
    /// A comma: the boundary between name parts (`Family, Given`).
    Comma,
}

/// Writes folded text: separators are held back until the next letter, which collapses
/// runs of them and trims both ends.
struct Folder<'a> {
    out: &'a mut String,
    sep: Sep,
}

impl Folder<'_> {
    /// One ASCII byte of source text or of a transliteration.
    fn byte(&mut self, b: u8, mode: Mode) {
        if b.is_ascii_alphanumeric() {
            if !self.out.is_empty() {
                match self.sep {
                    Sep::None => {}
                    Sep::Space => self.out.push(' '),
                    Sep::Comma => self.out.push(','),
                }
            }
            self.sep = Sep::None;
            self.out.push(char::from(b.to_ascii_lowercase()));
        } else if b == b'\'' || b == b'`' {
            // An apostrophe joins what is around it (O'Brien, Ol'ga) and vanishes elsewhere.
        } else if mode == Mode::Person && (b == b',' || b == b';') {
            self.sep = Sep::Comma;
        } else {
            self.space();
        }
    }

    /// A separator that is not a comma.
    fn space(&mut self) {
        if self.sep == Sep::None {
            self.sep = Sep::Space;
        }
    }
}

/// Apostrophe-like characters outside ASCII: dropped like `'`.
fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\u{2018}'
            | '\u{2019}'
            | '\u{201B}'
            | '\u{2032}'
            | '\u{00B4}'
            | '\u{02B9}'
            | '\u{02BB}'
            | '\u{02BC}'
            | '\u{02BD}'
            | '\u{02BE}'
            | '\u{02BF}'
            | '\u{05F3}'
    )
}

/// Comma-like characters outside ASCII (Arabic, ideographic, full-width after NFKC is ASCII).
fn is_comma(c: char) -> bool {
    matches!(
        c,
        '\u{060C}' | '\u{3001}' | '\u{FE50}' | '\u{FF64}' | '\u{061B}'
    )
}

/// CJK unified ideographs and Hangul syllables: scripts written without spaces in which a
/// name starts with a one-character family name.
fn is_cjk_syllable(c: char) -> bool {
    matches!(
        c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0x20000..=0x2FA1F
    )
}

/// Greek digraphs that `any_ascii` (which works one character at a time) renders unlike
/// every passport and ELOT 743: `ου` -> `ou` (not `oy`), `αυ`/`ευ`/`ηυ` -> `av`/`ev`/`iv`,
/// `γ` before `γ`, `ξ`, `χ` -> `n` (`Ευάγγελος` -> `evangelos`). Returns the replacement
/// for `c`, given the characters before and after it.
fn greek_digraph(before: char, c: char, after: Option<char>) -> Option<&'static str> {
    match c {
        '\u{03C5}' | '\u{03CD}' | '\u{03A5}' | '\u{038E}' => match before {
            '\u{03BF}' | '\u{03CC}' | '\u{039F}' | '\u{038C}' => Some("u"),
            '\u{03B1}' | '\u{03AC}' | '\u{0391}' | '\u{0386}' | '\u{03B5}' | '\u{03AD}'
            | '\u{0395}' | '\u{0388}' | '\u{03B7}' | '\u{03AE}' | '\u{0397}' | '\u{0389}' => {
                Some("v")
            }
            _ => None,
        },
        '\u{03B3}' | '\u{0393}' => match after {
            Some('\u{03B3}' | '\u{0393}' | '\u{03BE}' | '\u{039E}' | '\u{03C7}' | '\u{03A7}') => {
                Some("n")
            }
            _ => None,
        },
        _ => None,
    }
}

/// Letters of the Latin, Greek, Cyrillic and Arabic blocks that are alphanumeric, unchanged
/// by NFKC and never combine with a neighbour (tested below): a fast path that gives the same
/// result as the general one.
fn is_plain_letter(c: char) -> bool {
    matches!(
        c as u32,
        0x00C0..=0x00D6
            | 0x00D8..=0x00F6
            | 0x00F8..=0x0131
            | 0x0134..=0x013E
            | 0x0141..=0x0148
            | 0x014A..=0x017E
            | 0x0180..=0x01C3
            | 0x01CD..=0x01F0
            | 0x01F4..=0x024F
            | 0x0386
            | 0x0388..=0x038A
            | 0x038C
            | 0x038E..=0x03A1
            | 0x03A3..=0x03CE
            | 0x0400..=0x0481
            | 0x048A..=0x052F
            | 0x0621..=0x063A
            | 0x0641..=0x064A
            | 0x0660..=0x0669
            | 0x1E00..=0x1E99
            | 0x1E9C..=0x1EFF
    )
}

/// Common non-ASCII punctuation in names (guillemets, dashes, typographic quotes) that NFKC
/// leaves alone: part of the same fast path.
fn is_plain_punctuation(c: char) -> bool {
    matches!(
        c,
        '\u{00AB}'
            | '\u{00BB}'
            | '\u{00B7}'
            | '\u{2010}'
            | '\u{2013}'
            | '\u{2014}'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{201C}'
            | '\u{201D}'
            | '\u{201E}'
    )
}

/// Appends the fold of `raw` to `out` (see [`fold`]); in [`Mode::Person`] also keeps comma
/// boundaries as `,` and splits CJK runs.
fn fold_into(raw: &str, out: &mut String, mode: Mode) {
    let mut f = Folder {
        out,
        sep: Sep::None,
    };
    if raw.is_ascii() {
        // NFKC and transliteration leave ASCII unchanged.
        for b in raw.bytes() {
            f.byte(b, mode);
        }
        return;
    }
    // Most names are already in NFKC. Letters of the common scripts are checked by range
    // (a few nanoseconds); other text takes the NFKC quick check, and only text that fails
    // it is normalised.
    if raw
        .chars()
        .all(|c| c.is_ascii() || is_plain_letter(c) || is_plain_punctuation(c))
        || is_nfkc_quick(raw.chars()) == IsNormalized::Yes
    {
        fold_chars(raw.chars(), &mut f, mode);
    } else {
        fold_chars(raw.nfkc(), &mut f, mode);
    }
}

/// The non-ASCII fold of NFKC-normalised `chars`.
fn fold_chars(chars: impl Iterator<Item = char>, f: &mut Folder<'_>, mode: Mode) {
    let mut cjk_run = 0usize;
    let mut prev = ' ';
    let mut chars = chars.peekable();
    while let Some(c) = chars.next() {
        let before = std::mem::replace(&mut prev, c);
        if c.is_ascii() {
            cjk_run = 0;
            f.byte(c as u8, mode);
        } else if is_plain_letter(c) || c.is_alphanumeric() || is_combining_mark(c) {
            if mode == Mode::Person && is_cjk_syllable(c) {
                if cjk_run == 1 {
                    f.space();
                }
                cjk_run += 1;
            } else {
                cjk_run = 0;
            }
            let ascii = greek_digraph(before, c, chars.peek().copied())
                .unwrap_or_else(|| any_ascii::any_ascii_char(c));
            for b in ascii.bytes() {
                // A transliteration never introduces a name-part boundary.
                f.byte(b, Mode::Plain);
            }
        } else {
            cjk_run = 0;
            if is_apostrophe(c) {
                continue;
            }
            if mode == Mode::Person && is_comma(c) {
                f.sep = Sep::Comma;
            } else {
                f.space();
            }
        }
    }
}

/// The shared first stage of every name normalisation.
///
/// In order: Unicode NFKC (full-width forms, ligatures, superscripts); transliteration of
/// every letter, digit or combining mark to ASCII with `any_ascii` 0.3 (Cyrillic, Greek,
/// Arabic, Latin diacritics: `ß` -> `ss`, `æ` -> `ae`, `ø` -> `o`, `ł` -> `l`); ASCII
/// lower case; apostrophes dropped (`O'Brien` -> `obrien`, the Cyrillic soft sign's `'`
/// too); every other character (punctuation, hyphen, symbol, emoji) becomes a space; runs of
/// spaces collapse and both ends are trimmed. The result is `[a-z0-9 ]` with single spaces,
/// and `fold(fold(x)) == fold(x)`.
///
/// Plain ASCII input skips NFKC and transliteration, which leave it unchanged.
pub fn fold(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    fold_into(raw, &mut out, Mode::Plain);
    out
}

/// Normalises a person's name: fold, drop titles and generational suffixes, join name
/// particles to the name they belong to, sort and deduplicate.
///
/// - Titles (`Dr`, `Mrs`, `Herr`, `Mme`, `Sra`, `Jr`, `III`, ...) go wherever they stand.
///   Titles that are also names (`Don`, `Sheikh`, `Sir`, `Haji`, `Eng`, `Junior`, ...) go
///   only when at least two other distinct tokens remain, so `Don Johnson` keeps `don`.
/// - A particle (`al`, `bin`, `van`, `der`, `de`, `la`, `abdul`, ...) is joined to the next
///   token: `Al-Rashid`, `Al Rashid` and `Alrashid` all give `alrashid`; `van der Berg`
///   gives `vanderberg`. Particles that end a comma part or the name (`Beethoven, Ludwig
///   van`) are joined in front of the name's first token, so the `Family, Given` form agrees
///   with the `Given Family` form. A name made only of particles keeps them apart.
/// - A run of Chinese characters or Korean syllables is split after its first character
///   (the family name): `张小明` gives `xiaoming zhang`, as `Zhang Xiaoming` does.
///
/// `Smith, John` and `JOHN SMITH` give the same name. The result may be empty (a name that
/// was only a title or punctuation).
pub fn person_name(raw: &str) -> NormalisedName {
    let mut buf = String::with_capacity(raw.len() + 4);
    fold_into(raw, &mut buf, Mode::Person);
    // (comma part, token) pairs.
    let words: Vec<(usize, &str)> = buf
        .split(',')
        .enumerate()
        .flat_map(|(part, text)| text.split(' ').map(move |t| (part, t)))
        .filter(|(_, t)| !t.is_empty())
        .collect();
    let mut name = NormalisedName::from_tokens(person_core(&words));
    // Sorting can line tokens up differently from the source; repeat the rules on the
    // sorted tokens until they change nothing. Each change removes a token, so this ends.
    for _ in 0..name.tokens.len() {
        if !name.tokens.iter().any(|t| person_special(t)) {
            break;
        }
        let again = {
            let sorted: Vec<(usize, &str)> = name.tokens.iter().map(|t| (0, t.as_str())).collect();
            NormalisedName::from_tokens(person_core(&sorted))
        };
        if again == name {
            break;
        }
        name = again;
    }
    name
}

/// True for a token that a person-name rule acts on.
fn person_special(token: &str) -> bool {
    tables::is_title(token) || tables::is_particle(token) || tables::is_ambiguous_title(token)
}

/// The person rules on folded `(comma part, token)` pairs in source order; returns
/// unsorted tokens.
fn person_core(words: &[(usize, &str)]) -> Vec<String> {
    let kept = || words.iter().filter(|(_, t)| !tables::is_title(t));
    let mut tokens: Vec<String> = Vec::with_capacity(words.len());
    if kept().all(|(_, t)| tables::is_particle(t)) {
        tokens.extend(kept().map(|(_, t)| (*t).to_owned()));
    } else {
        // Particles waiting for their token, and particles that ended a part, waiting to be
        // put in front of the first token.
        let mut pending = String::new();
        let mut orphans = String::new();
        let mut part = words.first().map_or(0, |(p, _)| *p);
        for &(p, word) in kept() {
            if p != part {
                orphans.push_str(&pending);
                pending.clear();
                part = p;
            }
            if tables::is_particle(word) {
                pending.push_str(word);
            } else if pending.is_empty() {
                tokens.push(word.to_owned());
            } else {
                pending.push_str(word);
                tokens.push(std::mem::take(&mut pending));
            }
        }
        orphans.push_str(&pending);
        if let Some(first) = tokens.first_mut()
            && !orphans.is_empty()
        {
            orphans.push_str(first);
            *first = orphans;
        }
    }
    // Titles that are also names go only when at least two other distinct tokens remain.
    if tokens.iter().any(|t| tables::is_ambiguous_title(t)) {
        let mut others: Vec<&str> = tokens
            .iter()
            .map(String::as_str)
            .filter(|t| !tables::is_ambiguous_title(t))
            .collect();
        others.sort_unstable();
        others.dedup();
        if others.len() >= 2 {
            tokens.retain(|t| !tables::is_ambiguous_title(t));
        }
    }
    tokens
}

/// Normalises a legal entity's name: fold, merge initialisms, remove legal forms and the
/// words `the` and `and`, sort and deduplicate.
///
/// - A run of two or more one-letter tokens is merged (`S. A.` -> `sa`, `A/S` -> `as`,
///   `I.B.M.` -> `ibm`), so dotted and undotted initialisms agree.
/// - Legal forms are removed wherever they stand, as whole tokens (`ltd`, `gmbh`, `ooo`,
///   ...) or token sequences (`sp zoo`, `limited liability company`, ...); the lists are in
///   `tables.rs` and docs/PROTOCOL.md section 2. `ACME Trading GmbH & Co. KG` gives `acme
///   trading`; `ООО «Ромашка»`, `Romashka OOO` and `Romashka LLC` all give `romashka`.
/// - If nothing else is left (`The Company Ltd`), the merged tokens are kept as they are,
///   so such a name still has a key.
pub fn entity_name(raw: &str) -> NormalisedName {
    let folded = fold(raw);
    let words: Vec<&str> = folded.split(' ').filter(|t| !t.is_empty()).collect();
    let mut name = NormalisedName::from_tokens(entity_core(&words, &mut None));
    for _ in 0..name.tokens.len() {
        if !entity_needs_round(&name.tokens) {
            break;
        }
        let again = {
            let sorted: Vec<&str> = name.tokens.iter().map(String::as_str).collect();
            NormalisedName::from_tokens(entity_core(&sorted, &mut None))
        };
        if again == name {
            break;
        }
        name = again;
    }
    name
}

/// True when an entity rule could act on these sorted tokens.
fn entity_needs_round(tokens: &[String]) -> bool {
    tokens.windows(2).any(|w| w.iter().all(|t| t.len() == 1))
        || tokens.iter().any(|t| {
            tables::legal_word(t).is_some()
                || tables::is_entity_stopword(t)
                || tables::LEGAL_PHRASES
                    .iter()
                    .any(|p| p.words.first() == Some(&t.as_str()))
        })
}

/// Merges runs of two or more one-letter tokens.
fn merge_initialisms(words: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while let Some(&word) = words.get(i) {
        let run = words
            .get(i..)
            .unwrap_or(&[])
            .iter()
            .take_while(|w| w.len() == 1)
            .count();
        if run >= 2 {
            out.push(words.get(i..i + run).unwrap_or(&[]).concat());
            i += run;
        } else {
            out.push(word.to_owned());
            i += 1;
        }
    }
    out
}

/// The entity rules on folded tokens; returns unsorted tokens and records the last legal
/// form found in `found`.
fn entity_core(words: &[&str], found: &mut Option<&'static str>) -> Vec<String> {
    let merged = merge_initialisms(words);
    let mut keep = vec![true; merged.len()];
    let mut i = 0;
    while i < merged.len() {
        let rest = merged.get(i..).unwrap_or(&[]);
        let phrase = tables::LEGAL_PHRASES.iter().find(|p| {
            p.words.len() <= rest.len() && p.words.iter().zip(rest).all(|(w, t)| *w == t)
        });
        let (len, form) = if let Some(p) = phrase {
            (p.words.len(), Some(p.canonical))
        } else if let Some(form) = rest.first().and_then(|t| tables::legal_word(t)) {
            (1, Some(form))
        } else if rest.first().is_some_and(|t| tables::is_entity_stopword(t)) {
            (1, None)
        } else {
            (0, None)
        };
        if len == 0 {
            i += 1;
            continue;
        }
        for k in keep.iter_mut().skip(i).take(len) {
            *k = false;
        }
        if form.is_some() {
            *found = form;
        }
        i += len;
    }
    if !keep.iter().any(|k| *k) {
        return merged;
    }
    merged
        .into_iter()
        .zip(keep)
        .filter_map(|(t, k)| k.then_some(t))
        .collect()
}

/// The legal form an entity name states, in canonical spelling (`gmbh`, `ltd`, `llc`, `sa`,
/// `ooo`, `gmbh & co kg`, ...), or `None`.
///
/// For display at the node only; keys never use it, because sources disagree on whether
/// and how they record the form. When a name states several, the last one wins (legal forms
/// are written at the end).
pub fn legal_form(raw: &str) -> Option<&'static str> {
    let folded = fold(raw);
    let words: Vec<&str> = folded.split(' ').filter(|t| !t.is_empty()).collect();
    let mut found = None;
    let _ = entity_core(&words, &mut found);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn person(raw: &str) -> String {
        person_name(raw).joined()
    }

    fn entity(raw: &str) -> String {
        entity_name(raw).joined()
    }

    #[test]
    fn fold_transliterates_each_script() {
        assert_eq!(fold("Александр Пушкин"), "aleksandr pushkin");
        assert_eq!(fold("Ольга Игорь"), "olga igor");
        assert_eq!(fold("Юрий Хрущёв"), "yuriy khrushchev");
        assert_eq!(fold("Γιώργος Παπαδόπουλος"), "giorgos papadopoulos");
        assert_eq!(fold("Ευάγγελος Αύγουστος"), "evangelos avgoustos");
        assert_eq!(fold("محمد"), "mhmd");
        assert_eq!(fold("José Müller-Łukasiewicz"), "jose muller lukasiewicz");
        assert_eq!(fold("Straße Æsir Ørsted"), "strasse aesir orsted");
        assert_eq!(fold("Şahin Çelik İğde"), "sahin celik igde");
        assert_eq!(fold("张小明"), "zhangxiaoming");
    }

    /// The fast path must agree with the general rule: every listed letter is alphanumeric
    /// (or a combining mark), NFKC-stable and a starter; every listed punctuation mark is
    /// NFKC-stable, not alphanumeric, and a starter.
    #[test]
    fn fast_path_ranges_are_exact() {
        use unicode_normalization::char::canonical_combining_class;
        for c in (0u32..0x2000).filter_map(char::from_u32) {
            let stable = is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes
                && canonical_combining_class(c) == 0;
            if is_plain_letter(c) {
                assert!(c.is_alphanumeric() && stable, "{c:?} U+{:04X}", c as u32);
            }
        }
        for c in (0u32..0x2100)
            .filter_map(char::from_u32)
            .filter(|c| is_plain_punctuation(*c))
        {
            assert!(!c.is_alphanumeric(), "{c:?}");
            assert!(
                is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes,
                "{c:?}"
            );
            assert_eq!(canonical_combining_class(c), 0, "{c:?}");
        }
    }

    #[test]
    fn fold_applies_nfkc_first() {
        // Full-width letters, the fi ligature, a superscript digit.
        assert_eq!(fold("ＡＢＣ ﬁnance²"), "abc finance2");
        // Decomposed e + combining acute equals the precomposed letter.
        assert_eq!(fold("Jose\u{301}"), fold("José"));
    }

    #[test]
    fn fold_punctuation_and_apostrophes() {
        assert_eq!(fold("O'Brien"), "obrien");
        assert_eq!(fold("O’Brien"), "obrien");
        assert_eq!(fold("  Jean-Pierre   D'Arc. "), "jean pierre darc");
        assert_eq!(fold("'quoted' \"name\""), "quoted name");
        assert_eq!(fold("Smith, John (Jr.)"), "smith john jr");
        assert_eq!(fold("😀 Bob ♥ & Co."), "bob co");
        assert_eq!(fold(""), "");
        assert_eq!(fold(" -- "), "");
    }

    #[test]
    fn person_order_and_case_do_not_matter() {
        assert_eq!(person("Smith, John"), person("John Smith"));
        assert_eq!(person("JOHN  SMITH"), "john smith");
        assert_eq!(person("Пушкин, Александр"), person("Aleksandr PUSHKIN"));
        assert_eq!(person("张小明"), person("Zhang Xiaoming"));
        assert_eq!(person("John John Smith"), "john smith");
    }

    #[test]
    fn person_titles_and_suffixes_go() {
        assert_eq!(person("Dr. John Smith Jr."), "john smith");
        assert_eq!(person("Mrs Mary-Ann O'Neil"), "ann mary oneil");
        assert_eq!(person("Herr Prof. Dr. Klaus Müller"), "klaus muller");
        assert_eq!(person("Smith, Dr. John, III"), "john smith");
        assert_eq!(person("Sra. María José García"), "garcia jose maria");
        assert_eq!(person("Dr."), "");
    }

    #[test]
    fn person_ambiguous_titles_need_two_other_tokens() {
        assert_eq!(person("Don Johnson"), "don johnson");
        assert_eq!(person("Johnson, Don"), "don johnson");
        assert_eq!(person("Don Diego Vega"), "diego vega");
        assert_eq!(person("Sheikh Mohammed Rashid"), "mohammed rashid");
        assert_eq!(person("Sheikh Hasina"), "hasina sheikh");
        assert_eq!(person("Sir John Smith"), person("Smith, Sir John"));
    }

    #[test]
    fn person_particles_join() {
        let alrashid = person("Al-Rashid");
        assert_eq!(alrashid, "alrashid");
        assert_eq!(person("Al Rashid"), alrashid);
        assert_eq!(person("Alrashid"), alrashid);
        assert_eq!(person("Johan van der Berg"), "johan vanderberg");
        assert_eq!(person("Johan Vanderberg"), "johan vanderberg");
        assert_eq!(person("Berg, Johan van der"), "johan vanderberg");
        assert_eq!(person("Maria de la Cruz"), "delacruz maria");
        assert_eq!(person("Osama bin Laden"), person("Osama BinLaden"));
        assert_eq!(
            person("Ludwig van Beethoven"),
            person("Beethoven, Ludwig van")
        );
        assert_eq!(person("Abd al-Rahman"), "abdalrahman");
        assert_eq!(
            person("Dr. Mohammed bin Rashid Al Maktoum"),
            "almaktoum binrashid mohammed"
        );
        assert_eq!(person("Mac Donald"), "donald mac");
        assert_eq!(person("McDonald"), "mcdonald");
        // Only particles: kept apart.
        assert_eq!(person("de la"), "de la");
        // Arabic script: bin and abd as any_ascii writes them.
        assert_eq!(person("بن لادن"), person("بنلادن"));
    }

    #[test]
    fn entity_legal_forms_go() {
        assert_eq!(entity("ACME Trading GmbH & Co. KG"), "acme trading");
        assert_eq!(entity("Acme Trading"), "acme trading");
        assert_eq!(entity("ООО «Ромашка»"), "romashka");
        assert_eq!(entity("Romashka OOO"), "romashka");
        assert_eq!(entity("Romashka LLC"), "romashka");
        assert_eq!(entity("The Example Company Limited"), "example");
        assert_eq!(entity("Example S.A."), "example");
        assert_eq!(entity("Example SA"), "example");
        assert_eq!(entity("Przykład Sp. z o.o."), "przyklad");
        assert_eq!(
            entity("Beispiel Gesellschaft mit beschränkter Haftung"),
            "beispiel"
        );
        assert_eq!(entity("Smith and Sons Ltd"), "smith sons");
        assert_eq!(entity("I.B.M. Corp"), entity("IBM Corporation"));
        assert_eq!(entity("Παράδειγμα Α.Ε."), "paradeigma");
        // Nothing but legal words: the words stay, so the name still has a key.
        assert_eq!(entity("The Company Ltd"), "company ltd the");
    }

    #[test]
    fn legal_form_reports_the_canonical_form() {
        assert_eq!(
            legal_form("ACME Trading GmbH & Co. KG"),
            Some("gmbh & co kg")
        );
        assert_eq!(legal_form("Acme Ltd."), Some("ltd"));
        assert_eq!(legal_form("Acme Limited"), Some("ltd"));
        assert_eq!(legal_form("Acme, L.L.C."), Some("llc"));
        assert_eq!(legal_form("ООО «Ромашка»"), Some("ooo"));
        assert_eq!(legal_form("Exemple S.A."), Some("sa"));
        assert_eq!(legal_form("Przykład Sp. z o.o."), Some("sp zoo"));
        assert_eq!(legal_form("Acme Trading"), None);
    }

    #[test]
    fn normalised_name_accessors() {
        let name = person_name("Smith, John");
        assert_eq!(name.tokens(), ["john", "smith"]);
        assert_eq!(name.len(), 2);
        assert!(!name.is_empty());
        assert!(NormalisedName::default().is_empty());
        assert_eq!(NormalisedName::default().joined(), "");
    }

    /// Words the positional rules act on, to make the generated names exercise them.
    const RULE_WORDS: &[&str] = &[
        "al",
        "van",
        "der",
        "de",
        "la",
        "do",
        "s",
        "dos",
        "bin",
        "abd",
        "dr",
        "mr",
        "jr",
        "don",
        "sheikh",
        "sir",
        "the",
        "and",
        "co",
        "kg",
        "gmbh",
        "sp",
        "z",
        "o",
        "a",
        "b",
        "v",
        "e",
        "ltd",
        "limited",
        "liability",
        "company",
        "sa",
        "john",
        "smith",
        "maria",
        "zed",
        ",",
    ];

    fn valid(name: &NormalisedName) -> bool {
        name.tokens().iter().all(|t| {
            !t.is_empty()
                && t.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        }) && name.tokens().windows(2).all(|w| w[0] < w[1])
    }

    proptest! {
        #[test]
        fn fold_is_idempotent_and_clean(raw in "\\PC{0,40}") {
            let once = fold(&raw);
            prop_assert_eq!(fold(&once), once.clone());
            prop_assert!(once.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b' '));
            prop_assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
        }

        #[test]
        fn arbitrary_unicode_is_safe_and_stable(raw in "\\PC{0,40}") {
            let p = person_name(&raw);
            prop_assert!(valid(&p));
            prop_assert_eq!(person_name(&p.joined()), p);
            let e = entity_name(&raw);
            prop_assert!(valid(&e));
            prop_assert_eq!(entity_name(&e.joined()), e);
            let _ = legal_form(&raw);
        }

        #[test]
        fn rule_words_are_stable(words in prop::collection::vec(prop::sample::select(RULE_WORDS), 0..8)) {
            let raw = words.join(" ");
            let p = person_name(&raw);
            prop_assert!(valid(&p));
            prop_assert_eq!(person_name(&p.joined()), p);
            let e = entity_name(&raw);
            prop_assert!(valid(&e));
            prop_assert_eq!(entity_name(&e.joined()), e);
        }
    }
}

#[cfg(test)]
mod timing {
    use super::*;
    use std::time::Instant;

    /// A rough cost per name; run with
    /// `cargo test -p matcher --release --lib names::timing -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn cost_per_name() {
        let people = [
            "John Smith",
            "Smith, Mary-Ann",
            "Dr. Mohammed bin Rashid Al Maktoum",
            "Johan van der Berg",
            "Aleksandr Sergeyevich Pushkin",
            "Александр Сергеевич Пушкин",
            "José Müller-Łukasiewicz",
            "Γιώργος Παπαδόπουλος",
        ];
        let entities = [
            "ACME Trading GmbH & Co. KG",
            "ООО «Ромашка»",
            "Example Holdings Ltd",
        ];
        let rounds = 50_000;
        for (label, f) in [
            (
                "person_name",
                &(|s: &str| person_name(s).len()) as &dyn Fn(&str) -> usize,
            ),
            ("entity_name", &|s: &str| entity_name(s).len()),
            ("fold", &|s: &str| fold(s).len()),
            ("person_name + phonetic", &|s: &str| {
                person_name(s)
                    .tokens()
                    .iter()
                    .map(|t| phonetic(t).len())
                    .sum()
            }),
        ] {
            let inputs: &[&str] = if label == "entity_name" {
                &entities
            } else {
                &people
            };
            for s in inputs {
                let start = Instant::now();
                let mut sink = 0usize;
                for _ in 0..rounds {
                    sink = sink.wrapping_add(f(std::hint::black_box(s)));
                }
                let ns = start.elapsed().as_nanos() as f64 / f64::from(rounds);
                println!("{label:24} {ns:7.0} ns  {s} ({sink})");
            }
        }
    }
}

/// Runs a per-token code (`encode`, which takes non-empty `[a-z0-9]` bytes) on `token`,
/// folding it first when it is not already normalised. Empty input gives an empty code; input
/// with nothing alphanumeric gives `"0"`, so a code is never empty for a non-empty token.
fn code_token(token: &str, encode: impl Fn(&[u8]) -> String) -> String {
    let bytes = token.as_bytes();
    if bytes.is_empty() {
        return String::new();
    }
    if bytes
        .iter()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        return encode(bytes);
    }
    let folded: Vec<u8> = fold(token).bytes().filter(|b| *b != b' ').collect();
    if folded.is_empty() {
        return "0".to_owned();
    }
    encode(&folded)
}
