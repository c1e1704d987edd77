//! The core's end of the sealed channel for secrets (`cairn_api::channel`): one-shot X25519 keys
//! handed to the page, each opened at most once and within a minute, then wiped. A front end
//! holds one [`ChannelDesk`] and routes every request or reply that carries a secret through it,
//! so the process between the page and the core only ever sees ciphertext.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cairn_api::channel::{public_hex, Channel, SealKey, Sealed, SealedReply};
use ring::rand::{SecureRandom, SystemRandom};
use serde::de::DeserializeOwned;
use serde::Serialize;
use zeroize::Zeroizing;

/// How long an issued key waits for its request.
const KEY_LIFETIME: Duration = Duration::from_secs(60);
/// Keys waiting at once; a page that asks for more than it uses pushes the oldest out.
const MAX_WAITING: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error("the sealed request's key is unknown, used or expired: try again")]
    UnknownKey,
    #[error("{0}")]
    Seal(cairn_api::channel::ChannelError),
    // The parser's own message may quote the plaintext, a secret: only the command is named.
    #[error("the sealed request is not a valid {0} request")]
    NotARequest(&'static str),
    #[error("the reply to {0} could not be encoded")]
    Reply(&'static str),
    #[error("the system's random number generator failed")]
    Rng,
}

impl From<cairn_api::channel::ChannelError> for ChannelError {
    fn from(e: cairn_api::channel::ChannelError) -> Self {
        ChannelError::Seal(e)
    }
}

struct Waiting {
    id: u64,
    secret: Zeroizing<[u8; 32]>,
    issued: Instant,
}

#[derive(Default)]
struct Desk {
    next_id: u64,
    waiting: VecDeque<Waiting>,
}

/// Issues one-shot keys and opens the requests sealed to them.
#[derive(Default)]
pub struct ChannelDesk {
    desk: Mutex<Desk>,
}

impl std::fmt::Debug for ChannelDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChannelDesk { <keys> }")
    }
}

/// The reply half of an opened exchange: seals exactly one reply, then its key is gone.
pub struct ReplySeal {
    channel: Channel,
    command: &'static str,
}

impl std::fmt::Debug for ReplySeal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReplySeal {{ {} }}", self.command)
    }
}

impl ReplySeal {
    /// Seals `reply`; its plaintext JSON lives only in a buffer wiped on return.
    pub fn seal<T: Serialize>(self, reply: &T) -> Result<SealedReply, ChannelError> {
        let json = Zeroizing::new(
            serde_json::to_vec(reply).map_err(|_| ChannelError::Reply(self.command))?,
        );
        Ok(SealedReply {
            ciphertext: self.channel.seal_reply(self.command, &json)?,
        })
    }
}

impl ChannelDesk {
    pub fn new() -> ChannelDesk {
        ChannelDesk::default()
    }

    fn desk(&self) -> std::sync::MutexGuard<'_, Desk> {
        // A panic elsewhere while holding the lock leaves the queue usable: keys only expire.
        self.desk
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A fresh one-shot key for the page.
    pub fn issue(&self) -> Result<SealKey, ChannelError> {
        let mut secret = Zeroizing::new([0u8; 32]);
        SystemRandom::new()
            .fill(secret.as_mut())
            .map_err(|_| ChannelError::Rng)?;
        let public = public_hex(&secret);
        let mut desk = self.desk();
        desk.waiting.retain(|w| w.issued.elapsed() < KEY_LIFETIME);
        while desk.waiting.len() >= MAX_WAITING {
            desk.waiting.pop_front();
        }
        desk.next_id = desk.next_id.wrapping_add(1);
        let id = desk.next_id;
        desk.waiting.push_back(Waiting {
            id,
            secret,
            issued: Instant::now(),
        });
        Ok(SealKey { id, public })
    }

    /// Opens a request sealed for `command` and parses it; the key is used up whatever the
    /// outcome, so a ciphertext can be opened once at most.
    pub fn open<T: DeserializeOwned>(
        &self,
        command: &'static str,
        sealed: &Sealed,
    ) -> Result<(T, ReplySeal), ChannelError> {
        let secret = {
            let mut desk = self.desk();
            let at = desk
                .waiting
                .iter()
                .position(|w| w.id == sealed.key_id)
                .ok_or(ChannelError::UnknownKey)?;
            let waiting = desk.waiting.remove(at).ok_or(ChannelError::UnknownKey)?;
            if waiting.issued.elapsed() >= KEY_LIFETIME {
                return Err(ChannelError::UnknownKey);
            }
            waiting.secret
        };
        let channel = Channel::core(&secret, &sealed.page_public)?;
        drop(secret);
        let json = channel.open_request(command, &sealed.ciphertext)?;
        let request =
            serde_json::from_slice(&json).map_err(|_| ChannelError::NotARequest(command))?;
        Ok((request, ReplySeal { channel, command }))
    }

    /// Forgets every waiting key (on lock: nothing issued before it opens anything after).
    pub fn forget_all(&self) {
        self.desk().waiting.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_api::UnlockRequest;

    fn page_seal(key: &SealKey, command: &str, json: &str) -> (Sealed, Channel) {
        let page_secret = [5u8; 32];
        let channel = Channel::page(&page_secret, &key.public).unwrap();
        let sealed = Sealed {
            key_id: key.id,
            page_public: public_hex(&page_secret),
            ciphertext: channel.seal_request(command, json.as_bytes()).unwrap(),
        };
        (sealed, channel)
    }

    #[test]
    fn a_request_opens_once_and_its_reply_opens_at_the_page() {
        let desk = ChannelDesk::new();
        let key = desk.issue().unwrap();
        let (sealed, page) = page_seal(&key, "unlock_wallet", r#"{"password":"hunter22"}"#);
        let (request, reply): (UnlockRequest, _) = desk.open("unlock_wallet", &sealed).unwrap();
        assert_eq!(request.password, "hunter22");
        let reply = reply.seal(&vec![1, 2, 3]).unwrap();
        assert_eq!(
            page.open_reply("unlock_wallet", &reply.ciphertext)
                .unwrap()
                .as_slice(),
            b"[1,2,3]"
        );
        // The same ciphertext again: the key is gone.
        assert!(matches!(
            desk.open::<UnlockRequest>("unlock_wallet", &sealed),
            Err(ChannelError::UnknownKey)
        ));
    }

    #[test]
    fn a_failed_open_uses_the_key_up_and_names_no_secret() {
        let desk = ChannelDesk::new();
        let key = desk.issue().unwrap();
        let (sealed, _) = page_seal(&key, "unlock_wallet", r#"{"pass":"hunter22"}"#);
        let err = desk
            .open::<UnlockRequest>("unlock_wallet", &sealed)
            .unwrap_err();
        assert!(matches!(err, ChannelError::NotARequest("unlock_wallet")));
        assert!(!err.to_string().contains("hunter22"));
        assert!(matches!(
            desk.open::<UnlockRequest>("unlock_wallet", &sealed),
            Err(ChannelError::UnknownKey)
        ));
    }

    #[test]
    fn keys_are_bounded_and_forgotten_on_lock() {
        let desk = ChannelDesk::new();
        let first = desk.issue().unwrap();
        for _ in 0..MAX_WAITING {
            desk.issue().unwrap();
        }
        let (sealed, _) = page_seal(&first, "c", "{}");
        assert!(matches!(
            desk.open::<serde_json::Value>("c", &sealed),
            Err(ChannelError::UnknownKey)
        ));
        let key = desk.issue().unwrap();
        desk.forget_all();
        let (sealed, _) = page_seal(&key, "c", "{}");
        assert!(matches!(
            desk.open::<serde_json::Value>("c", &sealed),
            Err(ChannelError::UnknownKey)
        ));
    }
}
