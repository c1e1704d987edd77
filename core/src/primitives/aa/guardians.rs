//! Guardian recovery of a Safe, the part without I/O. The scheme uses audited code only: an
//! OpenZeppelin `TimelockController` is a module of the user's Safe; its one proposer is a
//! guardian Safe (owners = the guardians, threshold = M); anyone may execute once the delay has
//! passed; the user's Safe is its admin and a canceller. A recovery is the guardian Safe's
//! transaction `timelock.schedule(userSafe.execTransactionFromModule(userSafe.swapOwner(...)))`,
//! signed by M guardians (EIP-712 SafeTx). Here: the calls that set it up (or replace an
//! earlier set-up), the addresses they create (CREATE2, computed before they exist), recovery
//! requests and their hashes, the guardian signatures in Safe's layout, and what a scheduled
//! call found in the timelock's log would do.

use alloy::primitives::{address, keccak256, Address, Bytes, B256, U256};
use alloy::sol_types::{SolCall, SolEvent, SolValue};
use serde::{Deserialize, Serialize};

use super::safe::{self, SafeDeployment};
use super::Call;

mod abi {
    alloy::sol! {
        function enableModule(address module) external;
        function disableModule(address prevModule, address module) external;
        function swapOwner(address prevOwner, address oldOwner, address newOwner) external;
        function execTransactionFromModule(address to, uint256 value, bytes data, uint8 operation)
            external returns (bool success);
        function execTransaction(
            address to,
            uint256 value,
            bytes data,
            uint8 operation,
            uint256 safeTxGas,
            uint256 baseGas,
            uint256 gasPrice,
            address gasToken,
            address refundReceiver,
            bytes signatures
        ) external payable returns (bool success);
        function getTransactionHash(
            address to,
            uint256 value,
            bytes data,
            uint8 operation,
            uint256 safeTxGas,
            uint256 baseGas,
            uint256 gasPrice,
            address gasToken,
            address refundReceiver,
            uint256 _nonce
        ) external view returns (bytes32);
        function nonce() external view returns (uint256);
        function approveHash(bytes32 hashToApprove) external;
        function approvedHashes(address owner, bytes32 hash) external view returns (uint256);
        function isValidSignature(bytes data, bytes signature) external view returns (bytes4);
        function getModulesPaginated(address start, uint256 pageSize)
            external view returns (address[] array, address next);
        function schedule(
            address target,
            uint256 value,
            bytes data,
            bytes32 predecessor,
            bytes32 salt,
            uint256 delay
        ) external;
        function execute(
            address target,
            uint256 value,
            bytes payload,
            bytes32 predecessor,
            bytes32 salt
        ) external payable;
        function cancel(bytes32 id) external;
        function grantRole(bytes32 role, address account) external;
        function revokeRole(bytes32 role, address account) external;
        function getMinDelay() external view returns (uint256);
        function getTimestamp(bytes32 id) external view returns (uint256);
        event CallScheduled(
            bytes32 indexed id,
            uint256 indexed index,
            address target,
            uint256 value,
            bytes data,
            bytes32 predecessor,
            uint256 delay
        );
        event RoleGranted(bytes32 indexed role, address indexed account, address indexed sender);
    }
}

/// The deterministic-deployment proxy (on the devnet and on nearly every public chain): CREATE2
/// of whatever initcode follows the 32-byte salt in its calldata.
pub const CREATE2_DEPLOYER: Address = address!("4e59b44847b379578588920cA78FbF26c0B4956C");
/// The head of Safe's owner and module lists.
pub const SENTINEL: Address = address!("0000000000000000000000000000000000000001");
/// Safe 1.4.1's `CompatibilityFallbackHandler` (the guardian Safe's, for ERC-1271).
pub const FALLBACK_HANDLER: Address = address!("fd0732Dc9E303f09fCEf3a7388Ad10A83459Ec99");

/// OpenZeppelin Contracts 5.7.0 `TimelockController` creation code (the npm artifact; a test
/// compares it with the devnet's copy of the package).
const TIMELOCK_CREATION_CODE: &str = include_str!("timelock_controller_oz_5_7_0.hex");

/// The least recovery delay on a public network: a day for the owner to notice and cancel.
pub const MIN_PUBLIC_DELAY_SECS: u64 = 86_400;
/// The delay when the owner does not choose one.
pub const DEFAULT_DELAY_SECS: u64 = 3 * 86_400;

/// The OZ role identifiers.
pub fn proposer_role() -> B256 {
    keccak256("PROPOSER_ROLE")
}

pub fn canceller_role() -> B256 {
    keccak256("CANCELLER_ROLE")
}

pub fn timelock_creation_code() -> Vec<u8> {
    // A compile-time constant of this crate: a unit test proves it decodes.
    hex::decode(TIMELOCK_CREATION_CODE.trim()).unwrap_or_default()
}

/// Who guards an account: M of these addresses, after a delay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardianConfig {
    pub guardians: Vec<Address>,
    pub threshold: u64,
    pub delay_secs: u64,
}

/// The calls that install a guardian configuration, and what they create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setup {
    pub guardian_safe: Address,
    pub timelock: Address,
    pub calls: Vec<Call>,
}

/// A set-up being replaced: the old timelock, its predecessor in the Safe's module list and
/// the guardian Safe that proposes to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replacing {
    pub prev_module: Address,
    pub timelock: Address,
    pub guardian_safe: Address,
}

/// The calls, made by the user's Safe `account` in one operation, that create the guardian
/// Safe and the timelock, enable the timelock as a module and make the account a canceller —
/// after taking the old guardians' proposer role and disabling the timelock they replace, so
/// removed guardians can neither schedule nor run anything from then on.
pub fn setup(
    d: &SafeDeployment,
    account: Address,
    config: &GuardianConfig,
    salt: B256,
    replacing: Option<Replacing>,
) -> Setup {
    let init = safe::setup_call(
        &config.guardians,
        config.threshold,
        Address::ZERO,
        Vec::new(),
        FALLBACK_HANDLER,
    );
    let salt_nonce = U256::from_be_bytes(salt.0);
    let guardian_safe = safe::proxy_address(d, &init, salt_nonce);
    let mut initcode = timelock_creation_code();
    initcode.extend(
        (
            U256::from(config.delay_secs),
            vec![guardian_safe],
            vec![Address::ZERO],
            account,
        )
            .abi_encode_params(),
    );
    let timelock = CREATE2_DEPLOYER.create2(salt, keccak256(&initcode));
    let call = |to: Address, data: Vec<u8>| Call {
        to,
        value: U256::ZERO,
        data: data.into(),
    };
    let mut calls = vec![
        call(
            d.proxy_factory,
            safe::create_proxy_with(d, init, salt_nonce),
        ),
        call(CREATE2_DEPLOYER, [salt.as_slice(), &initcode].concat()),
    ];
    if let Some(old) = replacing {
        calls.push(call(
            old.timelock,
            abi::revokeRoleCall {
                role: proposer_role(),
                account: old.guardian_safe,
            }
            .abi_encode(),
        ));
        calls.push(call(
            account,
            abi::disableModuleCall {
                prevModule: old.prev_module,
                module: old.timelock,
            }
            .abi_encode(),
        ));
    }
    calls.push(call(
        account,
        abi::enableModuleCall { module: timelock }.abi_encode(),
    ));
    calls.push(call(
        timelock,
        abi::grantRoleCall {
            role: canceller_role(),
            account,
        }
        .abi_encode(),
    ));
    Setup {
        guardian_safe,
        timelock,
        calls,
    }
}

/// What a new device needs to ask for an account with no node to read it from: written by the
/// owner's wallet once guardians are set (kept with the user's records, or with a guardian).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecoveryKit {
    pub chain_id: u64,
    pub account: Address,
    pub timelock: Address,
    pub guardian_safe: Address,
    /// The guardian Safe's nonce when the kit was written (a recovery signed since moves it;
    /// a guardian's review with a node catches a stale one).
    pub guardian_nonce: U256,
    /// The owner a recovery replaces.
    pub owner: Address,
    /// The owner before it in the Safe's list (a passkey added later sits before the key);
    /// kits written before passkeys could own a Safe have none: the first.
    #[serde(default = "sentinel")]
    pub prev_owner: Address,
    pub delay_secs: u64,
}

fn sentinel() -> Address {
    SENTINEL
}

/// A request to replace an owner of `account`, as it travels to the guardians (a file, a QR
/// code, a link) and back. Everything the signatures commit to is in it, so guardians can sign
/// it with no node; a node checks it before it is submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecoveryRequest {
    pub chain_id: u64,
    pub account: Address,
    pub timelock: Address,
    pub guardian_safe: Address,
    /// The guardian Safe's nonce the approvals sign for.
    pub guardian_nonce: U256,
    /// The owner before `old_owner` in the Safe's owner list (`SENTINEL` for the first).
    pub prev_owner: Address,
    pub old_owner: Address,
    pub new_owner: Address,
    pub salt: B256,
    pub delay_secs: u64,
}

impl RecoveryRequest {
    /// What the timelock runs after the delay: the account, through its module interface,
    /// swapping the owner.
    pub fn payload(&self) -> Vec<u8> {
        abi::execTransactionFromModuleCall {
            to: self.account,
            value: U256::ZERO,
            data: abi::swapOwnerCall {
                prevOwner: self.prev_owner,
                oldOwner: self.old_owner,
                newOwner: self.new_owner,
            }
            .abi_encode()
            .into(),
            operation: 0,
        }
        .abi_encode()
    }

    /// `timelock.schedule(...)`: the guardian Safe's transaction.
    pub fn schedule_data(&self) -> Vec<u8> {
        abi::scheduleCall {
            target: self.account,
            value: U256::ZERO,
            data: self.payload().into(),
            predecessor: B256::ZERO,
            salt: self.salt,
            delay: U256::from(self.delay_secs),
        }
        .abi_encode()
    }

    /// The timelock's id of the scheduled change (`hashOperation`).
    pub fn operation_id(&self) -> B256 {
        keccak256(
            (
                self.account,
                U256::ZERO,
                Bytes::from(self.payload()),
                B256::ZERO,
                self.salt,
            )
                .abi_encode_params(),
        )
    }

    /// The EIP-712 SafeTx hash each guardian signs (equal to the guardian Safe's
    /// `getTransactionHash`).
    pub fn safe_tx_hash(&self) -> B256 {
        keccak256(self.safe_tx_preimage())
    }

    /// What the guardian Safe hands a contract guardian to check (`0x1901 ‖ domain ‖ struct`):
    /// Safe 1.4.1 passes these bytes, not their hash, to the legacy ERC-1271 method.
    pub fn safe_tx_preimage(&self) -> Vec<u8> {
        let type_hash = keccak256(
            "SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,\
             uint256 baseGas,uint256 gasPrice,address gasToken,address refundReceiver,\
             uint256 nonce)",
        );
        let struct_hash = keccak256(
            (
                type_hash,
                self.timelock,
                U256::ZERO,
                keccak256(self.schedule_data()),
                U256::ZERO,
                U256::ZERO,
                U256::ZERO,
                U256::ZERO,
                Address::ZERO,
                Address::ZERO,
                self.guardian_nonce,
            )
                .abi_encode_params(),
        );
        let domain = keccak256(
            (
                keccak256("EIP712Domain(uint256 chainId,address verifyingContract)"),
                U256::from(self.chain_id),
                self.guardian_safe,
            )
                .abi_encode_params(),
        );
        [&[0x19, 0x01][..], domain.as_slice(), struct_hash.as_slice()].concat()
    }

    /// `guardianSafe.getTransactionHash(...)` calldata, for checking [`Self::safe_tx_hash`].
    pub fn get_transaction_hash_call(&self) -> Vec<u8> {
        abi::getTransactionHashCall {
            to: self.timelock,
            value: U256::ZERO,
            data: self.schedule_data().into(),
            operation: 0,
            safeTxGas: U256::ZERO,
            baseGas: U256::ZERO,
            gasPrice: U256::ZERO,
            gasToken: Address::ZERO,
            refundReceiver: Address::ZERO,
            _nonce: self.guardian_nonce,
        }
        .abi_encode()
    }

    /// `guardianSafe.execTransaction(...)` with the guardians' signatures in Safe's layout.
    pub fn exec_transaction_call(&self, approvals: &[(Address, GuardianSig)]) -> Vec<u8> {
        let signatures = signature_blob(approvals);
        abi::execTransactionCall {
            to: self.timelock,
            value: U256::ZERO,
            data: self.schedule_data().into(),
            operation: 0,
            safeTxGas: U256::ZERO,
            baseGas: U256::ZERO,
            gasPrice: U256::ZERO,
            gasToken: Address::ZERO,
            refundReceiver: Address::ZERO,
            signatures: signatures.into(),
        }
        .abi_encode()
    }

    /// `timelock.execute(...)`: anyone's, once the delay has passed.
    pub fn execute_call(&self) -> Vec<u8> {
        abi::executeCall {
            target: self.account,
            value: U256::ZERO,
            payload: self.payload().into(),
            predecessor: B256::ZERO,
            salt: self.salt,
        }
        .abi_encode()
    }
}

/// `timelock.cancel(id)`.
/// How one guardian vouches for a SafeTx hash, as the guardian Safe reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuardianSig {
    /// A key's 65-byte signature of the hash itself.
    Key(Vec<u8>),
    /// A contract guardian's ERC-1271 signature (for a Safe guardian: its owner's signature of
    /// [`safe_message_hash`]), checked by the guardian contract when the transaction runs.
    Contract(Vec<u8>),
    /// The guardian approved the hash on chain (`approveHash`) beforehand.
    Approved,
}

/// The signatures blob of a Safe transaction: one 65-byte slot per signer in ascending order of
/// signer (once each), then the contract signatures' bytes, each behind its length, which their
/// slots point at (`r` = signer, `s` = offset, `v` = 0; `v` = 1 for a hash approved on chain).
pub fn signature_blob(approvals: &[(Address, GuardianSig)]) -> Vec<u8> {
    let mut sorted: Vec<&(Address, GuardianSig)> = approvals.iter().collect();
    sorted.sort_by_key(|(signer, _)| *signer);
    sorted.dedup_by_key(|(signer, _)| *signer);
    let mut slots = Vec::with_capacity(sorted.len() * 65);
    let mut tail = Vec::new();
    let static_len = sorted.len() * 65;
    for (signer, sig) in sorted {
        match sig {
            GuardianSig::Key(bytes) => slots.extend_from_slice(bytes),
            GuardianSig::Contract(bytes) => {
                slots.extend_from_slice(B256::left_padding_from(signer.as_slice()).as_slice());
                let offset = U256::from(static_len + tail.len());
                slots.extend_from_slice(&offset.to_be_bytes::<32>());
                slots.push(0);
                tail.extend_from_slice(&U256::from(bytes.len()).to_be_bytes::<32>());
                tail.extend_from_slice(bytes);
            }
            GuardianSig::Approved => {
                slots.extend_from_slice(B256::left_padding_from(signer.as_slice()).as_slice());
                slots.extend_from_slice(&[0; 32]);
                slots.push(1);
            }
        }
    }
    slots.extend_from_slice(&tail);
    slots
}

/// The hash a Safe's owners sign for the Safe to vouch for `message` through ERC-1271
/// (`CompatibilityFallbackHandler`, which Safe4337Module extends): EIP-712 `SafeMessage` of the
/// message's keccak on the Safe's domain.
pub fn safe_message_hash(chain_id: u64, safe: Address, message: &[u8]) -> B256 {
    let type_hash = keccak256("SafeMessage(bytes message)");
    let struct_hash = keccak256((type_hash, keccak256(message)).abi_encode_params());
    let domain = keccak256(
        (
            keccak256("EIP712Domain(uint256 chainId,address verifyingContract)"),
            U256::from(chain_id),
            safe,
        )
            .abi_encode_params(),
    );
    super::eip712_digest(domain, struct_hash)
}

/// `guardianSafe.approveHash(hash)`: a contract guardian's approval on chain.
pub fn approve_hash_call(hash: B256) -> Vec<u8> {
    abi::approveHashCall {
        hashToApprove: hash,
    }
    .abi_encode()
}

/// `guardianSafe.approvedHashes(owner, hash)`: non-zero once `owner` approved `hash`.
pub fn approved_hashes_call(owner: Address, hash: B256) -> Vec<u8> {
    abi::approvedHashesCall { owner, hash }.abi_encode()
}

/// `guardian.isValidSignature(bytes, bytes)` (the legacy ERC-1271 method Safe 1.4.1 calls).
pub fn is_valid_signature_call(data: &[u8], signature: &[u8]) -> Vec<u8> {
    abi::isValidSignatureCall {
        data: data.to_vec().into(),
        signature: signature.to_vec().into(),
    }
    .abi_encode()
}

/// What the legacy ERC-1271 method answers for a valid signature (its own selector), as the
/// first four bytes of a word.
pub const LEGACY_EIP1271_MAGIC: [u8; 4] = [0x20, 0xc1, 0x3b, 0x0b];

pub fn cancel_call(id: B256) -> Vec<u8> {
    abi::cancelCall { id }.abi_encode()
}

/// `timelock.getTimestamp(id)`: 0 unset, 1 done, else when it becomes executable.
pub fn get_timestamp_call(id: B256) -> Vec<u8> {
    abi::getTimestampCall { id }.abi_encode()
}

pub fn get_min_delay_call() -> Vec<u8> {
    abi::getMinDelayCall {}.abi_encode()
}

pub fn nonce_call() -> Vec<u8> {
    abi::nonceCall {}.abi_encode()
}

/// `getModulesPaginated(SENTINEL, 32)`: a Safe's modules, newest first.
pub fn modules_call() -> Vec<u8> {
    abi::getModulesPaginatedCall {
        start: SENTINEL,
        pageSize: U256::from(32),
    }
    .abi_encode()
}

pub fn decode_modules(bytes: &[u8]) -> Option<Vec<Address>> {
    abi::getModulesPaginatedCall::abi_decode_returns(bytes)
        .ok()
        .map(|r| r.array)
}

/// A single ABI word as a number (`getMinDelay`, `getTimestamp`, `nonce`).
pub fn decode_word(bytes: &[u8]) -> Option<U256> {
    (bytes.len() == 32).then(|| U256::from_be_slice(bytes))
}

/// The predecessor of `item` in a Safe linked list given in order (owners or modules).
pub fn previous_in(list: &[Address], item: Address) -> Option<Address> {
    let i = list.iter().position(|a| *a == item)?;
    Some(if i == 0 { SENTINEL } else { list[i - 1] })
}

pub fn call_scheduled_topic() -> B256 {
    abi::CallScheduled::SIGNATURE_HASH
}

pub fn role_granted_topic() -> B256 {
    abi::RoleGranted::SIGNATURE_HASH
}

/// What a `CallScheduled` of the account's timelock would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheduled {
    /// The recovery it is for: one owner replaced by another.
    OwnerChange {
        id: B256,
        old_owner: Address,
        new_owner: Address,
    },
    /// Anything else: never what guardians are for.
    Other { id: B256, target: Address },
}

impl Scheduled {
    pub fn id(&self) -> B256 {
        match self {
            Scheduled::OwnerChange { id, .. } | Scheduled::Other { id, .. } => *id,
        }
    }
}

/// Reads a `CallScheduled` log (topics and data) of a timelock guarding `account`.
pub fn read_scheduled(account: Address, topics: &[B256], data: &[u8]) -> Option<Scheduled> {
    if topics.first() != Some(&call_scheduled_topic()) {
        return None;
    }
    let id = *topics.get(1)?;
    let (target, _value, payload, _predecessor, _delay) =
        <(Address, U256, Bytes, B256, U256)>::abi_decode_params(data).ok()?;
    let swap = (target == account)
        .then(|| abi::execTransactionFromModuleCall::abi_decode(&payload).ok())
        .flatten()
        .filter(|c| c.to == account && c.value.is_zero() && c.operation == 0)
        .and_then(|c| abi::swapOwnerCall::abi_decode(&c.data).ok());
    Some(match swap {
        Some(s) => Scheduled::OwnerChange {
            id,
            old_owner: s.oldOwner,
            new_owner: s.newOwner,
        },
        None => Scheduled::Other { id, target },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> RecoveryRequest {
        RecoveryRequest {
            chain_id: 31337,
            account: Address::repeat_byte(0xAA),
            timelock: Address::repeat_byte(0x71),
            guardian_safe: Address::repeat_byte(0x65),
            guardian_nonce: U256::from(3),
            prev_owner: SENTINEL,
            old_owner: Address::repeat_byte(0x01),
            new_owner: Address::repeat_byte(0x02),
            salt: B256::repeat_byte(5),
            delay_secs: 3600,
        }
    }

    #[test]
    fn the_timelock_code_decodes() {
        assert!(timelock_creation_code().len() > 5_000);
    }

    #[test]
    fn a_scheduled_recovery_reads_back_as_an_owner_change_and_anything_else_does_not() {
        let r = request();
        let data = (
            r.account,
            U256::ZERO,
            Bytes::from(r.payload()),
            B256::ZERO,
            U256::from(r.delay_secs),
        )
            .abi_encode_params();
        let id = r.operation_id();
        let topics = [call_scheduled_topic(), id, B256::ZERO];
        assert_eq!(
            read_scheduled(r.account, &topics, &data),
            Some(Scheduled::OwnerChange {
                id,
                old_owner: r.old_owner,
                new_owner: r.new_owner
            })
        );
        // The same change aimed at another account, or any other call: not a recovery.
        assert!(matches!(
            read_scheduled(Address::repeat_byte(0xBB), &topics, &data),
            Some(Scheduled::Other { .. })
        ));
        let drain = (
            r.account,
            U256::from(1),
            Bytes::from(vec![0xa9, 0x05, 0x9c, 0xbb]),
            B256::ZERO,
            U256::ZERO,
        )
            .abi_encode_params();
        assert!(matches!(
            read_scheduled(r.account, &topics, &drain),
            Some(Scheduled::Other { .. })
        ));
        assert_eq!(read_scheduled(r.account, &[B256::ZERO], &data), None);
    }

    #[test]
    fn signatures_go_in_ascending_signer_order_once_each() {
        let r = request();
        let a = (Address::repeat_byte(0x20), GuardianSig::Key(vec![0x20; 65]));
        let b = (Address::repeat_byte(0x10), GuardianSig::Key(vec![0x10; 65]));
        let call = r.exec_transaction_call(&[a.clone(), b.clone(), a.clone()]);
        let decoded = abi::execTransactionCall::abi_decode(&call).unwrap();
        assert_eq!(decoded.signatures.len(), 130);
        assert_eq!(decoded.signatures[0], 0x10);
        assert_eq!(decoded.signatures[65], 0x20);
    }

    #[test]
    fn contract_signatures_sit_behind_the_slots_their_offsets_name() {
        let key = (Address::repeat_byte(0x30), GuardianSig::Key(vec![0x30; 65]));
        let safe = (
            Address::repeat_byte(0x10),
            GuardianSig::Contract(vec![0xaa; 65]),
        );
        let onchain = (Address::repeat_byte(0x20), GuardianSig::Approved);
        let blob = signature_blob(&[key, safe, onchain]);
        assert_eq!(blob.len(), 3 * 65 + 32 + 65);
        // Slot 0: the contract guardian (lowest address); r = it, s = 195 (after 3 slots), v = 0.
        assert_eq!(&blob[12..32], Address::repeat_byte(0x10).as_slice());
        assert_eq!(U256::from_be_slice(&blob[32..64]), U256::from(195));
        assert_eq!(blob[64], 0);
        // Slot 1: approved on chain, v = 1.
        assert_eq!(
            &blob[65 + 12..65 + 32],
            Address::repeat_byte(0x20).as_slice()
        );
        assert_eq!(blob[129], 1);
        // Slot 2: the key's own signature.
        assert_eq!(&blob[130..195], &[0x30; 65][..]);
        // The contract signature: its length, then its bytes.
        assert_eq!(U256::from_be_slice(&blob[195..227]), U256::from(65));
        assert_eq!(&blob[227..], &[0xaa; 65][..]);
    }

    #[test]
    fn the_preimage_hashes_to_the_safe_tx_hash() {
        let r = request();
        let pre = r.safe_tx_preimage();
        assert_eq!(pre.len(), 66);
        assert_eq!(keccak256(&pre), r.safe_tx_hash());
    }

    #[test]
    fn the_request_travels_as_json_and_refuses_unknown_fields() {
        let r = request();
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<RecoveryRequest>(&text).unwrap(), r);
        let extra = text.replacen('{', "{\"value\":\"1\",", 1);
        assert!(serde_json::from_str::<RecoveryRequest>(&extra).is_err());
    }

    #[test]
    fn previous_in_a_safe_list() {
        let l = [Address::repeat_byte(1), Address::repeat_byte(2)];
        assert_eq!(previous_in(&l, l[0]), Some(SENTINEL));
        assert_eq!(previous_in(&l, l[1]), Some(l[0]));
        assert_eq!(previous_in(&l, Address::repeat_byte(3)), None);
    }
}
