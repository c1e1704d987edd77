//! ERC-4337 smart accounts, the part without I/O: which EntryPoint and SimpleAccount factory a
//! version uses, the counterfactual account address (CREATE2, computed here and checked against
//! the factory on chain by the caller), the account's `execute`/`executeBatch` calldata, user
//! operations in the bundler's JSON layout, their packed form, the userOpHash (v0.7: nested
//! keccak; v0.8: EIP-712) and the owner's signature over it, and plain words for the
//! EntryPoint's `AAxx` rejections.

use alloy::primitives::{address, keccak256, Address, Bytes, B256, U256};
use alloy::signers::local::PrivateKeySigner;
use alloy::signers::SignerSync;
use alloy::sol_types::{SolCall, SolValue};
use serde::{Deserialize, Serialize};

pub mod guardians;
pub mod safe;
pub mod webauthn;

mod abi {
    alloy::sol! {
        struct PackedUserOperation {
            address sender;
            uint256 nonce;
            bytes initCode;
            bytes callData;
            bytes32 accountGasLimits;
            uint256 preVerificationGas;
            bytes32 gasFees;
            bytes paymasterAndData;
            bytes signature;
        }
        function getUserOpHash(PackedUserOperation userOp) external view returns (bytes32);
        function getOperationHash(PackedUserOperation userOp) external view returns (bytes32);
        function getNonce(address sender, uint192 key) external view returns (uint256 nonce);
        function balanceOf(address account) external view returns (uint256);
        function getAddress(address owner, uint256 salt) external view returns (address);
        function createAccount(address owner, uint256 salt) external returns (address ret);
        function initialize(address anOwner) external;
        function execute(address dest, uint256 value, bytes func) external;
    }
    pub mod v07 {
        alloy::sol! {
            function executeBatch(address[] dest, uint256[] value, bytes[] func) external;
        }
    }
    pub mod v08 {
        alloy::sol! {
            struct Call { address target; uint256 value; bytes data; }
            function executeBatch(Call[] calls) external;
        }
    }
}

/// Why a user operation could not be built, signed or read back.
#[derive(Debug, thiserror::Error)]
pub enum AaError {
    #[error("a smart account needs at least one call")]
    NoCalls,
    #[error("could not sign the user operation: {0}")]
    Signing(String),
    #[error("the stored user operation does not parse: {0}")]
    Stored(String),
    #[error("the {0} EntryPoint is not one Cairn supports")]
    UnknownEntryPoint(String),
}

/// The ERC-4337 versions Cairn builds for (v0.6 has another layout and is not used).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EntryPointVersion {
    #[serde(rename = "v0.7")]
    V07,
    #[serde(rename = "v0.8")]
    V08,
}

const PROXY_V07: &str = include_str!("erc1967_proxy_v07.hex");
const PROXY_V08: &str = include_str!("erc1967_proxy_v08.hex");

impl EntryPointVersion {
    pub const ALL: [EntryPointVersion; 2] = [EntryPointVersion::V07, EntryPointVersion::V08];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryPointVersion::V07 => "v0.7",
            EntryPointVersion::V08 => "v0.8",
        }
    }

    pub fn parse(s: &str) -> Result<EntryPointVersion, AaError> {
        EntryPointVersion::ALL
            .into_iter()
            .find(|v| v.as_str() == s.trim() || v.as_str().trim_start_matches('v') == s.trim())
            .ok_or_else(|| AaError::UnknownEntryPoint(s.to_string()))
    }

    /// The EntryPoint at its canonical (CREATE2) address, the same on every chain.
    pub fn entry_point(self) -> Address {
        match self {
            EntryPointVersion::V07 => address!("0000000071727De22E5E9d8BAf0edAc6f37da032"),
            EntryPointVersion::V08 => address!("4337084D9E255Ff0702461CF8895CE9E3b5Ff108"),
        }
    }

    pub fn from_entry_point(entry_point: Address) -> Option<EntryPointVersion> {
        EntryPointVersion::ALL
            .into_iter()
            .find(|v| v.entry_point() == entry_point)
    }

    /// The SimpleAccount factory for this EntryPoint, at its canonical address.
    pub fn factory(self) -> Address {
        match self {
            EntryPointVersion::V07 => address!("91E60e0613810449d098b0b5Ec8b51A0FE8c8985"),
            EntryPointVersion::V08 => address!("13E9ed32155810FDbd067D4522C492D6f68E5944"),
        }
    }

    /// `type(ERC1967Proxy).creationCode` as the factory embeds it (cut from the factory's
    /// runtime code of the published artifacts; the address test on the devnet proves it).
    fn proxy_creation_code(self) -> Vec<u8> {
        let text = match self {
            EntryPointVersion::V07 => PROXY_V07,
            EntryPointVersion::V08 => PROXY_V08,
        };
        // A compile-time constant of this crate: a unit test proves it decodes.
        hex::decode(text.trim()).unwrap_or_default()
    }
}

/// Which contract a smart account runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmartKind {
    /// eth-infinitism's SimpleAccount: one owner key, fixed.
    Simple,
    /// Safe 1.4.1 with the Safe4337Module: owners and a threshold that can change.
    Safe,
}

impl SmartKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SmartKind::Simple => "simple",
            SmartKind::Safe => "safe",
        }
    }

    pub fn parse(s: &str) -> Option<SmartKind> {
        match s.trim() {
            "simple" => Some(SmartKind::Simple),
            "safe" => Some(SmartKind::Safe),
            _ => None,
        }
    }
}

/// A smart account's code on one network: everything that differs between the kinds (address,
/// deployment, calldata, signature), so the rest of the user-operation path is shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountCode {
    Simple(EntryPointVersion),
    Safe(safe::SafeDeployment),
}

impl AccountCode {
    pub fn new(kind: SmartKind, version: EntryPointVersion, chain_id: u64) -> AccountCode {
        match kind {
            SmartKind::Simple => AccountCode::Simple(version),
            SmartKind::Safe => AccountCode::Safe(safe::SafeDeployment::for_chain(chain_id)),
        }
    }

    pub fn kind(&self) -> SmartKind {
        match self {
            AccountCode::Simple(_) => SmartKind::Simple,
            AccountCode::Safe(_) => SmartKind::Safe,
        }
    }

    /// The EntryPoint it runs under (the Safe module is built for v0.7 only).
    pub fn version(&self) -> EntryPointVersion {
        match self {
            AccountCode::Simple(v) => *v,
            AccountCode::Safe(_) => EntryPointVersion::V07,
        }
    }

    /// Its counterfactual address for `owner`.
    pub fn address(&self, owner: Address) -> Address {
        match self {
            AccountCode::Simple(v) => account_address(*v, owner),
            AccountCode::Safe(d) => safe::account_address(d, owner),
        }
    }

    /// The contract that deploys it.
    pub fn factory(&self) -> Address {
        match self {
            AccountCode::Simple(v) => v.factory(),
            AccountCode::Safe(d) => d.proxy_factory,
        }
    }

    /// `factoryData` for `owner`; as an `eth_call` to [`AccountCode::factory`] it answers the
    /// address as one ABI word, the factory's own computation of [`AccountCode::address`].
    pub fn factory_data(&self, owner: Address) -> Bytes {
        match self {
            AccountCode::Simple(_) => create_account_call(owner).into(),
            AccountCode::Safe(d) => safe::create_proxy_call(d, owner).into(),
        }
    }

    /// The call that asks the factory for the address without deploying: SimpleAccount's
    /// factory has `getAddress`; Safe's answers `createProxyWithNonce` as an `eth_call` (and
    /// reverts once the Safe exists).
    pub fn address_check_call(&self, owner: Address) -> Vec<u8> {
        match self {
            AccountCode::Simple(_) => get_address_call(owner),
            AccountCode::Safe(d) => safe::create_proxy_call(d, owner),
        }
    }

    pub fn call_data(&self, calls: &[Call]) -> Result<Bytes, AaError> {
        match self {
            AccountCode::Simple(v) => call_data(*v, calls),
            AccountCode::Safe(d) => safe::call_data(d, calls),
        }
    }

    pub fn dummy_signature(&self) -> Bytes {
        match self {
            AccountCode::Simple(_) => Bytes::from(DUMMY_SIGNATURE.to_vec()),
            AccountCode::Safe(_) => safe::dummy_signature(),
        }
    }

    /// Signs `op` as the account checks it and returns its userOpHash (what the bundler and
    /// the EntryPoint know it by).
    pub fn sign(
        &self,
        op: &mut UserOp,
        signer: &PrivateKeySigner,
        chain_id: u64,
    ) -> Result<B256, AaError> {
        match self {
            AccountCode::Simple(v) => op.sign(signer, *v, chain_id),
            AccountCode::Safe(d) => {
                safe::sign(d, op, signer, chain_id)?;
                Ok(op.hash(EntryPointVersion::V07, chain_id))
            }
        }
    }
}

/// The salt Cairn passes to the factory: one account per owner and version.
pub const ACCOUNT_SALT: U256 = U256::ZERO;

/// The address `factory.getAddress(owner, 0)` returns: CREATE2 of an ERC-1967 proxy whose
/// constructor runs `initialize(owner)` on the factory's SimpleAccount implementation (which
/// the factory itself created first, so it sits at CREATE(factory, nonce 1)).
pub fn account_address(version: EntryPointVersion, owner: Address) -> Address {
    let factory = version.factory();
    let implementation = factory.create(1);
    let init = abi::initializeCall { anOwner: owner }.abi_encode();
    let mut code = version.proxy_creation_code();
    code.extend((implementation, Bytes::from(init)).abi_encode_params());
    factory.create2(B256::from(ACCOUNT_SALT), keccak256(&code))
}

/// `factory.getAddress(owner, 0)`, for checking the local computation on chain.
pub fn get_address_call(owner: Address) -> Vec<u8> {
    abi::getAddressCall {
        owner,
        salt: ACCOUNT_SALT,
    }
    .abi_encode()
}

/// `factoryData` for deploying the account in its first user operation.
pub fn create_account_call(owner: Address) -> Vec<u8> {
    abi::createAccountCall {
        owner,
        salt: ACCOUNT_SALT,
    }
    .abi_encode()
}

/// `EntryPoint.balanceOf(account)`: the account's gas deposit there (what is left of the
/// prefunds the EntryPoint took, spent first by the next operation).
pub fn deposit_of_call(account: Address) -> Vec<u8> {
    abi::balanceOfCall { account }.abi_encode()
}

/// `EntryPoint.getNonce(sender, key)`.
pub fn get_nonce_call(sender: Address, key: U256) -> Vec<u8> {
    abi::getNonceCall {
        sender,
        key: alloy::primitives::Uint::<192, 3>::from_limbs_slice(&key.as_limbs()[..3]),
    }
    .abi_encode()
}

/// One call the account makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    pub to: Address,
    pub value: U256,
    pub data: Bytes,
}

/// The account's calldata: `execute` for one call, `executeBatch` for several (its signature
/// differs between v0.7 and v0.8).
pub fn call_data(version: EntryPointVersion, calls: &[Call]) -> Result<Bytes, AaError> {
    match calls {
        [] => Err(AaError::NoCalls),
        [one] => Ok(abi::executeCall {
            dest: one.to,
            value: one.value,
            func: one.data.clone(),
        }
        .abi_encode()
        .into()),
        many => Ok(match version {
            EntryPointVersion::V07 => abi::v07::executeBatchCall {
                dest: many.iter().map(|c| c.to).collect(),
                value: many.iter().map(|c| c.value).collect(),
                func: many.iter().map(|c| c.data.clone()).collect(),
            }
            .abi_encode()
            .into(),
            EntryPointVersion::V08 => abi::v08::executeBatchCall {
                calls: many
                    .iter()
                    .map(|c| abi::v08::Call {
                        target: c.to,
                        value: c.value,
                        data: c.data.clone(),
                    })
                    .collect(),
            }
            .abi_encode()
            .into(),
        }),
    }
}

/// A user operation in the unpacked JSON layout bundlers and paymasters speak (v0.7/v0.8).
/// Quantities are hex strings on the wire (`U256`'s serde form).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserOp {
    pub sender: Address,
    pub nonce: U256,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factory: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factory_data: Option<Bytes>,
    pub call_data: Bytes,
    pub call_gas_limit: U256,
    pub verification_gas_limit: U256,
    pub pre_verification_gas: U256,
    pub max_fee_per_gas: U256,
    pub max_priority_fee_per_gas: U256,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paymaster: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paymaster_verification_gas_limit: Option<U256>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paymaster_post_op_gas_limit: Option<U256>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paymaster_data: Option<Bytes>,
    pub signature: Bytes,
}

/// A signature of the right shape that recovers to no owner: what bundlers and paymasters get
/// while estimating, so the account's `ecrecover` runs as it will with the real one.
pub const DUMMY_SIGNATURE: [u8; 65] = alloy::primitives::hex!(
    "fffffffffffffffffffffffffffffff000000000000000000000000000000000"
    "7aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1c"
);

/// Two 128-bit values in one word, high first (the packed layout's gas fields).
fn two_u128(high: U256, low: U256) -> B256 {
    let mut out = [0u8; 32];
    out[..16].copy_from_slice(&high.to_be_bytes::<32>()[16..]);
    out[16..].copy_from_slice(&low.to_be_bytes::<32>()[16..]);
    B256::from(out)
}

fn u128_bytes(v: U256) -> [u8; 16] {
    let mut out = [0u8; 16];
    out.copy_from_slice(&v.to_be_bytes::<32>()[16..]);
    out
}

impl UserOp {
    /// `factory ‖ factoryData`, empty once the account exists.
    pub fn init_code(&self) -> Vec<u8> {
        match self.factory {
            Some(f) => {
                let mut v = f.to_vec();
                if let Some(d) = &self.factory_data {
                    v.extend_from_slice(d);
                }
                v
            }
            None => Vec::new(),
        }
    }

    /// `paymaster ‖ verificationGas(16) ‖ postOpGas(16) ‖ paymasterData`, empty when the account
    /// pays.
    pub fn paymaster_and_data(&self) -> Vec<u8> {
        match self.paymaster {
            Some(p) => {
                let mut v = p.to_vec();
                v.extend_from_slice(&u128_bytes(
                    self.paymaster_verification_gas_limit.unwrap_or_default(),
                ));
                v.extend_from_slice(&u128_bytes(
                    self.paymaster_post_op_gas_limit.unwrap_or_default(),
                ));
                if let Some(d) = &self.paymaster_data {
                    v.extend_from_slice(d);
                }
                v
            }
            None => Vec::new(),
        }
    }

    /// The on-chain struct the EntryPoint hashes and executes.
    pub(super) fn packed(&self) -> abi::PackedUserOperation {
        abi::PackedUserOperation {
            sender: self.sender,
            nonce: self.nonce,
            initCode: self.init_code().into(),
            callData: self.call_data.clone(),
            accountGasLimits: two_u128(self.verification_gas_limit, self.call_gas_limit),
            preVerificationGas: self.pre_verification_gas,
            gasFees: two_u128(self.max_priority_fee_per_gas, self.max_fee_per_gas),
            paymasterAndData: self.paymaster_and_data().into(),
            signature: self.signature.clone(),
        }
    }

    /// `EntryPoint.getUserOpHash(op)` calldata, for checking [`UserOp::hash`] on chain.
    pub fn get_user_op_hash_call(&self) -> Vec<u8> {
        abi::getUserOpHashCall {
            userOp: self.packed(),
        }
        .abi_encode()
    }

    /// The fields every version hashes (the signature is not part of it).
    fn fields_hash_input(&self) -> (Address, U256, B256, B256, B256, U256, B256, B256) {
        let p = self.packed();
        (
            p.sender,
            p.nonce,
            keccak256(&p.initCode),
            keccak256(&p.callData),
            p.accountGasLimits,
            p.preVerificationGas,
            p.gasFees,
            keccak256(&p.paymasterAndData),
        )
    }

    /// The userOpHash the EntryPoint of `version` computes on `chain_id`.
    pub fn hash(&self, version: EntryPointVersion, chain_id: u64) -> B256 {
        let entry_point = version.entry_point();
        let f = self.fields_hash_input();
        match version {
            EntryPointVersion::V07 => {
                let inner = keccak256(f.abi_encode_params());
                keccak256((inner, entry_point, U256::from(chain_id)).abi_encode_params())
            }
            EntryPointVersion::V08 => {
                let type_hash = keccak256(
                    "PackedUserOperation(address sender,uint256 nonce,bytes initCode,\
                     bytes callData,bytes32 accountGasLimits,uint256 preVerificationGas,\
                     bytes32 gasFees,bytes paymasterAndData)",
                );
                let struct_hash = keccak256(
                    (type_hash, f.0, f.1, f.2, f.3, f.4, f.5, f.6, f.7).abi_encode_params(),
                );
                let domain_type = keccak256(
                    "EIP712Domain(string name,string version,uint256 chainId,\
                     address verifyingContract)",
                );
                let domain = keccak256(
                    (
                        domain_type,
                        keccak256("ERC4337"),
                        keccak256("1"),
                        U256::from(chain_id),
                        entry_point,
                    )
                        .abi_encode_params(),
                );
                eip712_digest(domain, struct_hash)
            }
        }
    }

    /// Signs the userOpHash as SimpleAccount checks it: v0.7 recovers from the EIP-191 message
    /// hash of the 32 bytes, v0.8 from the (EIP-712) userOpHash itself. Returns the hash.
    pub fn sign(
        &mut self,
        signer: &PrivateKeySigner,
        version: EntryPointVersion,
        chain_id: u64,
    ) -> Result<B256, AaError> {
        let hash = self.hash(version, chain_id);
        let signature = match version {
            EntryPointVersion::V07 => signer.sign_message_sync(hash.as_slice()),
            EntryPointVersion::V08 => signer.sign_hash_sync(&hash),
        }
        .map_err(|e| AaError::Signing(e.to_string()))?;
        self.signature = Bytes::from(signature.as_bytes().to_vec());
        Ok(hash)
    }

    /// The 192-bit key of the 2-D nonce (independent operations use different keys).
    pub fn nonce_key(&self) -> U256 {
        self.nonce >> 64
    }

    /// The most gas the account itself may be charged for (the EntryPoint's prefund), or zero
    /// when a paymaster pays.
    pub fn max_cost_to_account(&self) -> U256 {
        if self.paymaster.is_some() {
            return U256::ZERO;
        }
        self.total_gas().saturating_mul(self.max_fee_per_gas)
    }

    pub fn total_gas(&self) -> U256 {
        self.call_gas_limit
            .saturating_add(self.verification_gas_limit)
            .saturating_add(self.pre_verification_gas)
            .saturating_add(self.paymaster_verification_gas_limit.unwrap_or_default())
            .saturating_add(self.paymaster_post_op_gas_limit.unwrap_or_default())
    }

    pub fn to_json(&self) -> Result<String, AaError> {
        serde_json::to_string(self).map_err(|e| AaError::Stored(e.to_string()))
    }

    pub fn from_json(text: &str) -> Result<UserOp, AaError> {
        serde_json::from_str(text).map_err(|e| AaError::Stored(e.to_string()))
    }
}

/// EIP-712's `keccak256(0x1901 ‖ domainSeparator ‖ structHash)`.
pub(crate) fn eip712_digest(domain: B256, struct_hash: B256) -> B256 {
    let mut digest = Vec::with_capacity(66);
    digest.extend_from_slice(&[0x19, 0x01]);
    digest.extend_from_slice(domain.as_slice());
    digest.extend_from_slice(struct_hash.as_slice());
    keccak256(digest)
}

/// A fresh random 192-bit nonce key with sequence 0: a new key per operation means operations
/// queued side by side never wait for each other, and the nonce is known without asking.
pub fn fresh_nonce() -> Result<U256, AaError> {
    let mut key = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut key[8..24])
        .map_err(|_| AaError::Signing("no randomness for a nonce key".into()))?;
    // key occupies bits 64..192 here (128 random bits are plenty); sequence (low 64) is 0.
    Ok(U256::from_be_bytes(key))
}

/// What the EntryPoint's `AAxx` codes mean, in words a user can act on.
const AA_CODES: &[(&str, &str)] = &[
    (
        "AA10",
        "the smart account already exists, but the operation tries to deploy it again",
    ),
    (
        "AA13",
        "deploying the smart account failed (or ran out of gas)",
    ),
    (
        "AA14",
        "the factory deployed another address than the operation's sender",
    ),
    ("AA15", "the factory did not deploy the smart account"),
    ("AA20", "the smart account is not deployed yet"),
    (
        "AA21",
        "the smart account has no funds for gas: fund it, or let a paymaster pay",
    ),
    ("AA22", "the operation expired or is not valid yet"),
    ("AA23", "the smart account refused the operation"),
    (
        "AA24",
        "the signature does not match the smart account's owner",
    ),
    (
        "AA25",
        "the operation's nonce is not the account's next one",
    ),
    ("AA26", "validation used more gas than its limit"),
    ("AA30", "the paymaster is not deployed"),
    ("AA31", "the paymaster's deposit cannot cover the gas"),
    (
        "AA32",
        "the paymaster's approval expired or is not valid yet",
    ),
    ("AA33", "the paymaster refused the operation"),
    ("AA34", "the paymaster's signature does not match"),
    ("AA40", "validation used more gas than its limit"),
    ("AA41", "validation gas is too low"),
    ("AA50", "the paymaster's post-operation step failed"),
    ("AA51", "the prefund does not cover the gas used"),
    ("AA90", "the bundler gave an invalid beneficiary"),
    ("AA91", "the bundler could not be paid"),
    ("AA93", "the paymaster data is malformed"),
    ("AA94", "a gas value is out of range"),
    ("AA95", "the bundle ran out of gas"),
];

/// Safe's `GSxxx` revert strings a recovery or a Safe operation can meet, in words.
const GS_CODES: &[(&str, &str)] = &[
    ("GS013", "the Safe transaction failed"),
    (
        "GS020",
        "not enough signatures: fewer guardians signed than the threshold",
    ),
    (
        "GS026",
        "a signature is not from an owner (a removed guardian, or the wrong request)",
    ),
    (
        "GS104",
        "the timelock is not a module of the account any more (its guardians were replaced)",
    ),
    ("GS204", "the new owner already owns the account"),
    (
        "GS205",
        "the owner to replace does not own the account any more",
    ),
    ("GS203", "the owner address is not allowed"),
    ("GS201", "the threshold is higher than the number of owners"),
    ("GS202", "the threshold must be at least 1"),
    ("GS102", "that module is already enabled"),
    ("GS103", "that module is not enabled"),
];

/// OpenZeppelin `TimelockController` custom errors, by signature, in words.
const TIMELOCK_ERRORS: &[(&str, &str, &str)] = &[
    (
        "TimelockUnexpectedOperationState(bytes32,bytes32)",
        "TimelockUnexpectedOperationState",
        "the recovery cannot run now: its delay has not passed, or it was cancelled, already \
         done or never scheduled",
    ),
    (
        "AccessControlUnauthorizedAccount(address,bytes32)",
        "AccessControlUnauthorizedAccount",
        "not allowed by the timelock: the caller is not (or no longer) a guardian set of this \
         account",
    ),
    (
        "TimelockInsufficientDelay(uint256,uint256)",
        "TimelockInsufficientDelay",
        "the delay is shorter than the timelock's minimum",
    ),
    (
        "TimelockUnauthorizedCaller(address)",
        "TimelockUnauthorizedCaller",
        "only the timelock itself may do that",
    ),
];

/// The revert reason a message carries as `Error(string)` hex, decoded.
fn revert_strings(message: &str) -> Vec<String> {
    message
        .split(|c: char| !c.is_ascii_hexdigit() && c != 'x')
        .filter_map(|w| w.strip_prefix("0x"))
        .filter_map(|h| hex::decode(h).ok())
        .filter_map(|b| {
            let body = b.strip_prefix(&[0x08, 0xc3, 0x79, 0xa0][..])?;
            String::abi_decode(body).ok()
        })
        .collect()
}

/// A bundler's or EntryPoint's message turned into (code, plain explanation); the code is `None`
/// when the message carries no `AAxx`, `GSxxx` or timelock error.
pub fn explain(message: &str) -> (Option<&'static str>, String) {
    // The account's own revert comes first: "AA23 reverted: GS020" is about the signatures.
    let reasons = revert_strings(message);
    for (code, meaning) in GS_CODES {
        if message.contains(code) || reasons.iter().any(|r| r.contains(code)) {
            return (Some(code), format!("{meaning} ({code})"));
        }
    }
    let lower = message.to_ascii_lowercase();
    for (signature, name, meaning) in TIMELOCK_ERRORS {
        let selector = hex::encode(&keccak256(signature.as_bytes())[..4]);
        if message.contains(name) || lower.contains(&format!("0x{selector}")) {
            return (Some(name), format!("{meaning} ({name})"));
        }
    }
    for (code, meaning) in AA_CODES {
        if message.contains(code) {
            return (Some(code), format!("{meaning} ({code})"));
        }
    }
    // Never echo a raw hex blob at the user: keep the words, shorten the rest.
    let words: String = message
        .split_whitespace()
        .filter(|w| !(w.starts_with("0x") && w.len() > 42))
        .collect::<Vec<_>>()
        .join(" ");
    (None, words.chars().take(200).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_embedded_proxy_code_decodes() {
        for v in EntryPointVersion::ALL {
            let code = v.proxy_creation_code();
            assert!(code.len() > 500, "{}", v.as_str());
            assert_eq!(&code[..4], &[0x60, 0x80, 0x60, 0x40]);
        }
    }

    #[test]
    fn versions_parse_both_ways() {
        for v in EntryPointVersion::ALL {
            assert_eq!(EntryPointVersion::parse(v.as_str()).unwrap(), v);
            assert_eq!(
                EntryPointVersion::from_entry_point(v.entry_point()),
                Some(v)
            );
        }
        assert!(EntryPointVersion::parse("0.6").is_err());
    }

    #[test]
    fn aa_codes_become_words_and_hex_is_not_echoed() {
        let (code, text) = explain(
            "UserOperation reverted during simulation with reason: AA21 didn't pay prefund",
        );
        assert_eq!(code, Some("AA21"));
        assert!(text.contains("no funds for gas"), "{text}");
        let blob = format!("execution reverted 0x{}", "ab".repeat(100));
        let (code, text) = explain(&blob);
        assert_eq!(code, None);
        assert_eq!(text, "execution reverted");
    }

    #[test]
    fn the_hash_covers_every_field_but_the_signature() {
        let op = UserOp {
            sender: Address::repeat_byte(1),
            call_data: Bytes::from(vec![1, 2, 3]),
            ..UserOp::default()
        };
        for v in EntryPointVersion::ALL {
            let h = op.hash(v, 1);
            let mut signed = op.clone();
            signed.signature = Bytes::from(vec![9; 65]);
            assert_eq!(signed.hash(v, 1), h);
            assert_ne!(op.hash(v, 2), h, "chain id");
            let mut other = op.clone();
            other.max_fee_per_gas = U256::from(1);
            assert_ne!(other.hash(v, 1), h, "fees");
            let mut other = op.clone();
            other.paymaster = Some(Address::repeat_byte(2));
            assert_ne!(other.hash(v, 1), h, "paymaster");
        }
        assert_ne!(
            op.hash(EntryPointVersion::V07, 1),
            op.hash(EntryPointVersion::V08, 1)
        );
    }

    #[test]
    fn signatures_recover_to_the_owner_as_each_account_checks() {
        let signer = PrivateKeySigner::random();
        let mut op = UserOp {
            sender: Address::repeat_byte(7),
            ..UserOp::default()
        };
        for v in EntryPointVersion::ALL {
            let hash = op.sign(&signer, v, 31337).unwrap();
            let sig = alloy::primitives::Signature::from_raw(&op.signature).unwrap();
            let recovered = match v {
                EntryPointVersion::V07 => sig.recover_address_from_msg(hash.as_slice()),
                EntryPointVersion::V08 => sig.recover_address_from_prehash(&hash),
            }
            .unwrap();
            assert_eq!(recovered, signer.address());
            assert_eq!(op.signature.len(), 65);
        }
    }

    #[test]
    fn the_dummy_signature_has_the_shape_of_a_real_one() {
        // The bundler estimates gas with it: the account's ecrecover must get an address out of
        // it (a signature that fails to recover makes the account revert, not estimate), and it
        // must not recover to the owner, or it would be a real signature.
        let sig = alloy::primitives::Signature::from_raw(&DUMMY_SIGNATURE).unwrap();
        let owner = PrivateKeySigner::random();
        let mut op = UserOp {
            sender: Address::repeat_byte(7),
            ..UserOp::default()
        };
        for v in EntryPointVersion::ALL {
            let hash = op.hash(v, 31337);
            let recovered = sig.recover_address_from_prehash(&hash).unwrap();
            assert_ne!(recovered, owner.address());
            op.sign(&owner, v, 31337).unwrap();
            assert_ne!(op.signature.as_ref(), DUMMY_SIGNATURE.as_slice());
        }
    }

    #[test]
    fn one_call_is_execute_many_is_execute_batch() {
        let call = Call {
            to: Address::repeat_byte(3),
            value: U256::from(5),
            data: Bytes::new(),
        };
        let one = call_data(EntryPointVersion::V07, std::slice::from_ref(&call)).unwrap();
        assert_eq!(&one[..4], &abi::executeCall::SELECTOR);
        let two = [call.clone(), call];
        assert_eq!(
            &call_data(EntryPointVersion::V07, &two).unwrap()[..4],
            &abi::v07::executeBatchCall::SELECTOR
        );
        assert_eq!(
            &call_data(EntryPointVersion::V08, &two).unwrap()[..4],
            &abi::v08::executeBatchCall::SELECTOR
        );
        assert!(matches!(
            call_data(EntryPointVersion::V08, &[]),
            Err(AaError::NoCalls)
        ));
    }

    #[test]
    fn fresh_nonces_have_sequence_zero_and_differ() {
        let a = fresh_nonce().unwrap();
        let b = fresh_nonce().unwrap();
        assert_ne!(a, b);
        assert_eq!(a & U256::from(u64::MAX), U256::ZERO);
        assert!(a < U256::from(1u8) << 192);
    }

    proptest! {
        #[test]
        fn stored_user_operations_read_back_unchanged(
            sender in any::<[u8; 20]>(),
            nonce in any::<[u8; 32]>(),
            gas in any::<(u64, u64, u64)>(),
            fees in any::<(u64, u64)>(),
            data in proptest::collection::vec(any::<u8>(), 0..200),
            sponsored in any::<bool>(),
        ) {
            let op = UserOp {
                sender: Address::from(sender),
                nonce: U256::from_be_bytes(nonce),
                factory: sponsored.then(|| Address::repeat_byte(9)),
                factory_data: sponsored.then(|| Bytes::from(data.clone())),
                call_data: Bytes::from(data),
                call_gas_limit: U256::from(gas.0),
                verification_gas_limit: U256::from(gas.1),
                pre_verification_gas: U256::from(gas.2),
                max_fee_per_gas: U256::from(fees.0),
                max_priority_fee_per_gas: U256::from(fees.1),
                paymaster: sponsored.then(|| Address::repeat_byte(4)),
                paymaster_verification_gas_limit: sponsored.then(|| U256::from(gas.0)),
                paymaster_post_op_gas_limit: sponsored.then(|| U256::from(gas.1)),
                paymaster_data: sponsored.then(|| Bytes::from(vec![1, 2])),
                signature: Bytes::from(vec![7; 65]),
            };
            let back = UserOp::from_json(&op.to_json().unwrap()).unwrap();
            prop_assert_eq!(&back, &op);
            // The packed gas words keep both halves, each where the EntryPoint reads it:
            // verification gas high, call gas low; tip high, max fee low.
            let packed = op.packed();
            prop_assert_eq!(&packed.accountGasLimits[..16], &op.verification_gas_limit.to_be_bytes::<32>()[16..]);
            prop_assert_eq!(&packed.accountGasLimits[16..], &op.call_gas_limit.to_be_bytes::<32>()[16..]);
            prop_assert_eq!(&packed.gasFees[..16], &op.max_priority_fee_per_gas.to_be_bytes::<32>()[16..]);
            prop_assert_eq!(&packed.gasFees[16..], &op.max_fee_per_gas.to_be_bytes::<32>()[16..]);
        }
    }
    #[test]
    fn safe_and_timelock_reverts_read_as_words() {
        let reason = [
            vec![0x08, 0xc3, 0x79, 0xa0],
            String::from("GS020").abi_encode(),
        ]
        .concat();
        let message = format!(
            "UserOperation reverted during simulation with reason: 0x{}",
            hex::encode(reason)
        );
        let (code, words) = explain(&message);
        assert_eq!(code, Some("GS020"));
        assert!(words.starts_with("not enough signatures"), "{words}");
        let selector =
            hex::encode(&keccak256("TimelockUnexpectedOperationState(bytes32,bytes32)")[..4]);
        let (code, words) = explain(&format!(
            "execution reverted: 0x{selector}{}",
            "00".repeat(64)
        ));
        assert_eq!(code, Some("TimelockUnexpectedOperationState"));
        assert!(words.contains("delay has not passed"), "{words}");
        assert_eq!(explain("AA24 signature error").0, Some("AA24"));
    }
}
