//! The sealed channel for secrets between the page and the core: passwords, phrases, private
//! keys and two-factor secrets cross the app process — where WebKit's IPC buffers may keep a
//! freed copy of a request or a reply long after the wallet locks — only as ciphertext.
//!
//! Each exchange uses keys of its own. The core hands out a one-shot X25519 key ([`SealKey`]);
//! the page makes a one-shot key of its own, seals its request to the core's ([`Sealed`]); the
//! core opens it with the secret half, which it then forgets, and seals its reply on the same
//! shared secret ([`SealedReply`]). Once both halves are gone — the core's after one use, the
//! page's with the page's process, which ends on lock — no ciphertext left in any buffer can be
//! opened again.
//!
//! Both ends use this one codec (it compiles to wasm): X25519, HKDF-SHA256 over the shared
//! secret and both public keys, ChaCha20-Poly1305 with the command's name as associated data, so
//! a request sealed for one command does not open as another. The callers bring the randomness
//! (the OS's in the core, `crypto.getRandomValues` in the page), which keeps this pure.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use hkdf::Hkdf;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

/// Where a sealed message failed. Deliberately coarse: nothing about the contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelError {
    /// A public key or ciphertext that is not hex of the right length.
    Malformed,
    /// The peer's key is a low-order point: the shared secret would be known to anyone.
    WeakKey,
    /// The ciphertext does not open under this exchange's key (tampered, or another exchange's).
    Tampered,
}

impl std::fmt::Display for ChannelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ChannelError::Malformed => "the sealed message is malformed",
            ChannelError::WeakKey => "the sealed message uses a key that protects nothing",
            ChannelError::Tampered => "the sealed message does not open: tampered or stale",
        })
    }
}

impl std::error::Error for ChannelError {}

/// A one-shot public key the core hands to the page for one sealed exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealKey {
    /// Names the core's secret half, which is forgotten after one use or a short time.
    pub id: u64,
    /// X25519 public key, 32 bytes in hex.
    pub public: String,
}

/// A request sealed by the page: its one-shot public key and the ciphertext of the request's
/// JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub key_id: u64,
    pub page_public: String,
    pub ciphertext: String,
}

/// The core's reply to a sealed request, sealed on the same exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedReply {
    pub ciphertext: String,
}

/// The public half of a 32-byte X25519 secret, in hex.
pub fn public_hex(secret: &[u8; 32]) -> String {
    let secret = StaticSecret::from(*secret);
    hex::encode(PublicKey::from(&secret).as_bytes())
}

/// The two keys of one exchange, one per direction.
pub struct Channel {
    request: Zeroizing<[u8; 32]>,
    reply: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Channel { <keys> }")
    }
}

fn public_from_hex(text: &str) -> Result<PublicKey, ChannelError> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(text, &mut bytes).map_err(|_| ChannelError::Malformed)?;
    Ok(PublicKey::from(bytes))
}

impl Channel {
    /// The page's end: its one-shot secret and the core's public key.
    pub fn page(page_secret: &[u8; 32], core_public: &str) -> Result<Channel, ChannelError> {
        let core = public_from_hex(core_public)?;
        let secret = StaticSecret::from(*page_secret);
        let page = PublicKey::from(&secret);
        Channel::derive(&secret, &core, &core, &page)
    }

    /// The core's end: its one-shot secret and the page's public key.
    pub fn core(core_secret: &[u8; 32], page_public: &str) -> Result<Channel, ChannelError> {
        let page = public_from_hex(page_public)?;
        let secret = StaticSecret::from(*core_secret);
        let core = PublicKey::from(&secret);
        Channel::derive(&secret, &page, &core, &page)
    }

    fn derive(
        secret: &StaticSecret,
        peer: &PublicKey,
        core: &PublicKey,
        page: &PublicKey,
    ) -> Result<Channel, ChannelError> {
        let shared = secret.diffie_hellman(peer);
        if !shared.was_contributory() {
            return Err(ChannelError::WeakKey);
        }
        // Both public keys in the derivation bind the keys to this exchange's two parties.
        let mut salt = [0u8; 64];
        salt[..32].copy_from_slice(core.as_bytes());
        salt[32..].copy_from_slice(page.as_bytes());
        let hk = Hkdf::<Sha256>::new(Some(&salt), shared.as_bytes());
        let mut request = Zeroizing::new([0u8; 32]);
        let mut reply = Zeroizing::new([0u8; 32]);
        hk.expand(b"cairn channel v1 request", request.as_mut())
            .map_err(|_| ChannelError::Malformed)?;
        hk.expand(b"cairn channel v1 reply", reply.as_mut())
            .map_err(|_| ChannelError::Malformed)?;
        Ok(Channel { request, reply })
    }

    /// Seals the page's request for command `command`.
    pub fn seal_request(&self, command: &str, plaintext: &[u8]) -> Result<String, ChannelError> {
        seal(&self.request, command, plaintext)
    }

    /// Opens the page's request, which must have been sealed for `command`.
    pub fn open_request(
        &self,
        command: &str,
        ciphertext: &str,
    ) -> Result<Zeroizing<Vec<u8>>, ChannelError> {
        open(&self.request, command, ciphertext)
    }

    /// Seals the core's reply to command `command`.
    pub fn seal_reply(&self, command: &str, plaintext: &[u8]) -> Result<String, ChannelError> {
        seal(&self.reply, command, plaintext)
    }

    /// Opens the core's reply to command `command`.
    pub fn open_reply(
        &self,
        command: &str,
        ciphertext: &str,
    ) -> Result<Zeroizing<Vec<u8>>, ChannelError> {
        open(&self.reply, command, ciphertext)
    }
}

// Every key seals exactly one message (one-shot keys on both sides, one key per direction), so
// a fixed nonce never repeats under a key.
const NONCE: [u8; 12] = [0; 12];

fn seal(key: &[u8; 32], command: &str, plaintext: &[u8]) -> Result<String, ChannelError> {
    let cipher = ChaCha20Poly1305::new_from_slice(key).map_err(|_| ChannelError::Malformed)?;
    let sealed = cipher
        .encrypt(
            &Nonce::from(NONCE),
            Payload {
                msg: plaintext,
                aad: command.as_bytes(),
            },
        )
        .map_err(|_| ChannelError::Malformed)?;
    Ok(hex::encode(sealed))
}

fn open(
    key: &[u8; 32],
    command: &str,
    ciphertext: &str,
) -> Result<Zeroizing<Vec<u8>>, ChannelError> {
    let bytes = hex::decode(ciphertext).map_err(|_| ChannelError::Malformed)?;
    let cipher = ChaCha20Poly1305::new_from_slice(key).map_err(|_| ChannelError::Malformed)?;
    cipher
        .decrypt(
            &Nonce::from(NONCE),
            Payload {
                msg: &bytes,
                aad: command.as_bytes(),
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| ChannelError::Tampered)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: [u8; 32] = [7; 32];
    const CORE: [u8; 32] = [9; 32];

    fn ends() -> (Channel, Channel) {
        let page = Channel::page(&PAGE, &public_hex(&CORE)).unwrap();
        let core = Channel::core(&CORE, &public_hex(&PAGE)).unwrap();
        (page, core)
    }

    #[test]
    fn a_request_and_its_reply_open_at_the_other_end_only() {
        let (page, core) = ends();
        let sealed = page
            .seal_request("unlock_wallet", b"{\"password\":\"pw\"}")
            .unwrap();
        assert!(!sealed.contains("password"));
        assert_eq!(
            core.open_request("unlock_wallet", &sealed)
                .unwrap()
                .as_slice(),
            b"{\"password\":\"pw\"}"
        );
        let reply = core.seal_reply("unlock_wallet", b"[1,2]").unwrap();
        assert_eq!(
            page.open_reply("unlock_wallet", &reply).unwrap().as_slice(),
            b"[1,2]"
        );
        // A reply key does not open a request, nor a request key a reply.
        assert_eq!(
            core.open_reply("unlock_wallet", &sealed),
            Err(ChannelError::Tampered)
        );
        assert_eq!(
            page.open_request("unlock_wallet", &reply),
            Err(ChannelError::Tampered)
        );
    }

    #[test]
    fn a_request_sealed_for_one_command_does_not_open_as_another() {
        let (page, core) = ends();
        let sealed = page.seal_request("unlock_wallet", b"x").unwrap();
        assert_eq!(
            core.open_request("export_mnemonic", &sealed),
            Err(ChannelError::Tampered)
        );
    }

    #[test]
    fn another_exchange_cannot_open_it() {
        let (page, _) = ends();
        let sealed = page.seal_request("c", b"secret").unwrap();
        let stranger = Channel::core(&[3; 32], &public_hex(&PAGE)).unwrap();
        assert_eq!(
            stranger.open_request("c", &sealed),
            Err(ChannelError::Tampered)
        );
    }

    #[test]
    fn a_flipped_bit_or_bad_hex_is_refused() {
        let (page, core) = ends();
        let sealed = page.seal_request("c", b"secret").unwrap();
        let mut bytes = hex::decode(&sealed).unwrap();
        bytes[0] ^= 1;
        assert_eq!(
            core.open_request("c", &hex::encode(bytes)),
            Err(ChannelError::Tampered)
        );
        assert_eq!(core.open_request("c", "zz"), Err(ChannelError::Malformed));
        assert_eq!(
            Channel::core(&CORE, "abcd").map(|_| ()),
            Err(ChannelError::Malformed)
        );
    }

    #[test]
    fn a_low_order_key_is_refused() {
        // The identity point: every secret gives the all-zero shared secret.
        assert_eq!(
            Channel::core(&CORE, &hex::encode([0u8; 32])).map(|_| ()),
            Err(ChannelError::WeakKey)
        );
    }

    #[test]
    fn x25519_matches_rfc_7748() {
        // RFC 7748 §6.1: Alice's and Bob's keys and their shared secret.
        let alice: [u8; 32] =
            hex::decode("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
                .unwrap()
                .try_into()
                .unwrap();
        assert_eq!(
            public_hex(&alice),
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
        );
        let bob_public = PublicKey::from(
            <[u8; 32]>::try_from(
                hex::decode("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
                    .unwrap(),
            )
            .unwrap(),
        );
        assert_eq!(
            hex::encode(
                StaticSecret::from(alice)
                    .diffie_hellman(&bob_public)
                    .as_bytes()
            ),
            "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
        );
    }
}
