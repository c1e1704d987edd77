//! Keyset cursors for the lists that grow with use (history, activity): where the next page
//! starts, as the short opaque text front ends pass back. A cursor names the last row shown by
//! its sort key, not by position, so rows arriving while the user pages neither repeat nor
//! vanish, and reading page 100 costs what page 1 costs.

/// Rows per page when the caller does not say; and the most one page may hold.
pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error("\"{0}\" is not a page cursor this wallet gave out")]
    BadCursor(String),
    #[error("a page holds 1 to {MAX_LIMIT} rows, not {0}")]
    BadLimit(u32),
    #[error(
        "\"{0}\" is not an asset of this network: give `native` or a token's contract address"
    )]
    UnknownAsset(String),
    #[error("\"{0}\" is not a direction: in, out or fee")]
    BadDirection(String),
    #[error("\"{0}\" is not a state: pending, ended, or one of {STATES}")]
    BadState(String),
}

const STATES: &str = "authorized, signed, queued, submitted, included, confirmed, failed, replaced, dropped, needs_resign";

/// What an error repeats of a bad filter value: enough to recognise it.
pub fn quote(text: &str) -> String {
    text.chars().take(48).collect()
}

/// The number of rows to read: the default when unset, refused outside `1..=MAX_LIMIT`.
pub fn limit(requested: Option<u32>) -> Result<u32, PageError> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(n) => Err(PageError::BadLimit(n)),
    }
}

/// Ends a page read with one row more than `limit` (which tells whether an older page
/// exists): drops the extra row and returns the next page's cursor, made of the last row kept.
pub fn finish<T>(rows: &mut Vec<T>, limit: u32, cursor: impl Fn(&T) -> String) -> Option<String> {
    if rows.len() <= limit as usize {
        return None;
    }
    rows.truncate(limit as usize);
    rows.last().map(cursor)
}

/// History is ordered by block, then by row: the cursor is the last row's pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryCursor {
    pub block: u64,
    pub id: i64,
}

impl HistoryCursor {
    pub fn encode(&self) -> String {
        format!("h{}.{}", self.block, self.id)
    }

    pub fn parse(text: &str) -> Result<HistoryCursor, PageError> {
        let bad = || PageError::BadCursor(quote(text));
        let (block, id) = text
            .strip_prefix('h')
            .and_then(|rest| rest.split_once('.'))
            .ok_or_else(bad)?;
        Ok(HistoryCursor {
            block: digits(block).ok_or_else(bad)?,
            id: digits(id)
                .and_then(|n| i64::try_from(n).ok())
                .ok_or_else(bad)?,
        })
    }
}

/// Activity is ordered by operation id (the order operations were made in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityCursor {
    pub id: i64,
}

impl ActivityCursor {
    pub fn encode(&self) -> String {
        format!("a{}", self.id)
    }

    pub fn parse(text: &str) -> Result<ActivityCursor, PageError> {
        let bad = || PageError::BadCursor(quote(text));
        let id = text
            .strip_prefix('a')
            .and_then(digits)
            .and_then(|n| i64::try_from(n).ok())
            .ok_or_else(bad)?;
        Ok(ActivityCursor { id })
    }
}

/// Plain ASCII digits only: no sign, no spaces, no leading `+` that `parse` would take.
fn digits(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_page_read_one_row_long_names_its_successor() {
        let mut rows = vec![5, 4, 3];
        assert_eq!(finish(&mut rows, 2, |r| r.to_string()), Some("4".into()));
        assert_eq!(rows, vec![5, 4]);
        let mut rows = vec![5, 4];
        assert_eq!(finish(&mut rows, 2, |r| r.to_string()), None);
        assert_eq!(rows, vec![5, 4]);
    }

    #[test]
    fn bad_cursors_and_limits_are_refused() {
        for text in [
            "",
            "h",
            "h1",
            "h1.",
            "h.1",
            "h-1.2",
            "h1.-2",
            "h+1.2",
            "a",
            "a-1",
            "x12",
            "a1 ",
            "h1.99999999999999999999",
        ] {
            assert!(
                HistoryCursor::parse(text).is_err() && ActivityCursor::parse(text).is_err(),
                "{text:?} accepted"
            );
        }
        assert_eq!(limit(None), Ok(DEFAULT_LIMIT));
        assert_eq!(limit(Some(0)), Err(PageError::BadLimit(0)));
        assert_eq!(
            limit(Some(MAX_LIMIT + 1)),
            Err(PageError::BadLimit(MAX_LIMIT + 1))
        );
        let long = "z".repeat(10_000);
        assert!(HistoryCursor::parse(&long).unwrap_err().to_string().len() < 100);
    }

    proptest! {
        #[test]
        fn history_cursors_round_trip(block in any::<u64>(), id in 0..i64::MAX) {
            let c = HistoryCursor { block, id };
            prop_assert_eq!(HistoryCursor::parse(&c.encode()), Ok(c));
            prop_assert!(ActivityCursor::parse(&c.encode()).is_err());
        }

        #[test]
        fn activity_cursors_round_trip(id in 0..i64::MAX) {
            let c = ActivityCursor { id };
            prop_assert_eq!(ActivityCursor::parse(&c.encode()), Ok(c));
            prop_assert!(HistoryCursor::parse(&c.encode()).is_err());
        }

        #[test]
        fn any_text_parses_or_is_refused_without_panic(text in ".{0,64}") {
            let _ = HistoryCursor::parse(&text);
            let _ = ActivityCursor::parse(&text);
        }
    }
}
