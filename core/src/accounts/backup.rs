//! The recovery-phrase backup: a phrase made by this wallet counts as written down only after
//! the user types back words it picks at random from it. Until then the wallet says so on every
//! unlock (`pending`); the check is audited. Imported phrases and keys were already written down.

use cairn_api::{BackupChallenge, PendingBackup};
use zeroize::Zeroizing;

use super::{open_secret, AccountsError};
use crate::session::Ctx;

type Result<T, E = AccountsError> = std::result::Result<T, E>;

/// How many words the check asks for: enough that a guess or a half-copied phrase fails,
/// few enough to type on a phone.
const WORDS_ASKED: usize = 3;

/// The backup service over the shared session state.
pub(crate) struct Backups<'a> {
    pub(crate) ctx: &'a Ctx,
}

impl Backups<'_> {
    crate::session::gate_methods!(AccountsError);

    /// The wallet's phrases that still wait for their word check.
    pub(crate) async fn pending(&self) -> Result<Vec<PendingBackup>> {
        self.with_session_quiet(|s| {
            Ok(s.ledger
                .unbacked_key_sources()?
                .into_iter()
                .map(|(key_source_id, label)| PendingBackup {
                    key_source_id,
                    label,
                })
                .collect())
        })
        .await
    }

    /// Picks the words to ask for. The same positions stand until the check passes (a retry
    /// after a typo asks for the same words), or another phrase's check starts.
    pub(crate) async fn challenge(&self, key_source_id: i64) -> Result<BackupChallenge> {
        self.with_session(|s| {
            let source = s.ledger.key_source(key_source_id)?;
            let secret = open_secret(&s.keys, &source.sealed, key_source_id)?;
            let Some(phrase) = secret.phrase.as_deref() else {
                return Err(AccountsError::Unsupported(
                    "an imported private key has no words to check".into(),
                ));
            };
            let count = phrase.split_whitespace().count();
            let positions = match &s.backup_check {
                Some((id, positions)) if *id == key_source_id => positions.clone(),
                _ => random_positions(count)?,
            };
            s.backup_check = Some((key_source_id, positions.clone()));
            Ok(BackupChallenge {
                key_source_id,
                positions: positions.iter().map(|p| *p as u32 + 1).collect(),
            })
        })
        .await
    }

    /// Checks the typed words against the phrase; on a match the phrase counts as backed up.
    /// A mismatch names the positions that differ, never the words expected.
    pub(crate) async fn confirm(&self, key_source_id: i64, words: &[String]) -> Result<()> {
        self.with_session(|s| {
            let Some((id, positions)) = s.backup_check.clone() else {
                return Err(AccountsError::BackupCheck(
                    "ask for the words to check first".into(),
                ));
            };
            if id != key_source_id {
                return Err(AccountsError::BackupCheck(
                    "the words asked for belong to another recovery phrase".into(),
                ));
            }
            if words.len() != positions.len() {
                return Err(AccountsError::BackupCheck(format!(
                    "type the {} words asked for",
                    positions.len()
                )));
            }
            let source = s.ledger.key_source(key_source_id)?;
            let secret = open_secret(&s.keys, &source.sealed, key_source_id)?;
            let phrase = Zeroizing::new(secret.phrase.clone().unwrap_or_default());
            let expected: Vec<&str> = phrase.split_whitespace().collect();
            let wrong: Vec<String> = positions
                .iter()
                .zip(words)
                .filter(|(p, typed)| {
                    let typed = Zeroizing::new(typed.trim().to_lowercase());
                    expected.get(**p).is_none_or(|w| *w != typed.as_str())
                })
                .map(|(p, _)| format!("{}", p + 1))
                .collect();
            if !wrong.is_empty() {
                return Err(AccountsError::BackupCheck(format!(
                    "word {} does not match your recovery phrase: look at your copy again",
                    wrong.join(", ")
                )));
            }
            s.ledger.mark_backed_up(key_source_id)?;
            s.backup_check = None;
            tracing::info!(key_source_id, "recovery phrase backup checked");
            Ok(())
        })
        .await
    }
}

/// `WORDS_ASKED` distinct positions (0-based, ascending) out of `count`.
fn random_positions(count: usize) -> Result<Vec<usize>> {
    use ring::rand::SecureRandom;
    if count < WORDS_ASKED {
        return Err(AccountsError::Internal(
            "a recovery phrase this short".into(),
        ));
    }
    let rng = ring::rand::SystemRandom::new();
    let mut picked = Vec::with_capacity(WORDS_ASKED);
    while picked.len() < WORDS_ASKED {
        let mut b = [0u8; 1];
        rng.fill(&mut b)
            .map_err(|_| AccountsError::Internal("no randomness".into()))?;
        // Rejection sampling keeps every position equally likely.
        let limit = 256 - 256 % count;
        let n = usize::from(b[0]);
        if n < limit && !picked.contains(&(n % count)) {
            picked.push(n % count);
        }
    }
    picked.sort_unstable();
    Ok(picked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_distinct_sorted_and_in_range() {
        for count in [12, 24] {
            for _ in 0..200 {
                let p = random_positions(count).unwrap_or_default();
                assert_eq!(p.len(), WORDS_ASKED);
                assert!(p.windows(2).all(|w| w[0] < w[1]), "{p:?}");
                assert!(p.iter().all(|i| *i < count));
            }
        }
    }

    #[test]
    fn every_position_comes_up() {
        let mut seen = [false; 24];
        for _ in 0..2000 {
            for i in random_positions(24).unwrap_or_default() {
                seen[i] = true;
            }
        }
        assert!(seen.iter().all(|s| *s));
    }
}
