//! Safe smart accounts, the part without I/O: where Safe 1.4.1 and its ERC-4337 module (0.3.0,
//! EntryPoint v0.7) live on a network, the Safe's counterfactual address (CREATE2 of a
//! `SafeProxy` by the proxy factory, computed here and checked on chain by the caller), the
//! `setup` it is deployed with (the module enabled and made its fallback handler), the module's
//! `executeUserOpWithErrorString` calldata (several calls as one `MultiSendCallOnly`
//! delegatecall), the SafeOp EIP-712 hash the owners sign, and the signature layout the module
//! reads (`validAfter ‖ validUntil ‖ owner signatures`).

use alloy::primitives::{address, keccak256, Address, Bytes, B256, U256};
use alloy::signers::local::PrivateKeySigner;
use alloy::signers::SignerSync;
use alloy::sol_types::{SolCall, SolValue};

use super::{AaError, Call, UserOp};

mod abi {
    alloy::sol! {
        function setup(
            address[] owners,
            uint256 threshold,
            address to,
            bytes data,
            address fallbackHandler,
            address paymentToken,
            uint256 payment,
            address paymentReceiver
        ) external;
        function enableModules(address[] modules) external;
        function createProxyWithNonce(address singleton, bytes initializer, uint256 saltNonce)
            external returns (address proxy);
        function executeUserOpWithErrorString(address to, uint256 value, bytes data, uint8 operation)
            external;
        function multiSend(bytes transactions) external payable;
        function getOwners() external view returns (address[] owners);
        function getThreshold() external view returns (uint256 threshold);
        function getModulesPaginated(address start, uint256 pageSize)
            external view returns (address[] array, address next);
        function addOwnerWithThreshold(address owner, uint256 threshold) external;
        function removeOwner(address prevOwner, address owner, uint256 threshold) external;
    }
}

/// Where the Safe contracts an account uses live on one network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SafeDeployment {
    /// `SafeL2` 1.4.1: the implementation every Safe proxy delegates to (the L2 flavour emits
    /// events for every transaction, which is what history readers index).
    pub singleton: Address,
    pub proxy_factory: Address,
    /// `Safe4337Module` 0.3.0: the module and fallback handler that validates and executes
    /// user operations.
    pub module: Address,
    /// `SafeModuleSetup` 0.3.0: enables the module during `setup` (a delegatecall).
    pub module_setup: Address,
    pub multi_send_call_only: Address,
    /// `MultiSend` 1.4.1 (delegatecalls allowed): a passkey Safe's setup runs two through it.
    pub multi_send: Address,
}

/// Where Safe's passkey contracts (`@safe-global/safe-passkey`) live on a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasskeyDeployment {
    /// `SafeWebAuthnSharedSigner`: the owner a Safe's setup configures for its first passkey.
    pub shared_signer: Address,
    /// `SafeWebAuthnSignerFactory`: one signer proxy per later passkey, and the stateless check.
    pub signer_factory: Address,
    /// `FCLP256Verifier`: the Solidity P-256 verifier behind the precompile.
    pub fcl_verifier: Address,
}

impl PasskeyDeployment {
    /// The devnet's (the npm bytes 0.2.0 that `scripts/devnet/devnet.mjs` deploys through the
    /// Safe singleton factory). Public chains: none yet — the published 0.2.1 deployment must be
    /// checked byte for byte before Cairn points anyone's account at it.
    pub fn for_chain(chain_id: u64) -> Option<PasskeyDeployment> {
        (chain_id == crate::primitives::DEVNET_CHAIN_ID).then_some(PasskeyDeployment {
            shared_signer: address!("6566eb306f972d59492f5cfcbc83aa393c4d06fc"),
            signer_factory: address!("96c96c82df0a6b14127eee69a1943ec8a323d454"),
            fcl_verifier: address!("1bfd4a3f042118e2b4c62e6cc093e60e6ca40e01"),
        })
    }
}

/// Safe 1.4.1 at its canonical addresses (the singleton factory puts them at the same address
/// on every chain it runs on).
const SINGLETON: Address = address!("29fcB43b46531BcA003ddC8FCB67FFE91900C762");
const PROXY_FACTORY: Address = address!("4e1DCf7AD4e460CfD30791CCC4F9c8a4f820ec67");
const MULTI_SEND_CALL_ONLY: Address = address!("9641d764fc13c8B624c04430C7356C1C7C8102e2");
const MULTI_SEND: Address = address!("38869bf66a61cF6bDB996A6aE40D5853Fd43B526");

impl SafeDeployment {
    /// The published deployment (`safe-deployments` 1.4.1, `safe-modules-deployments` 3.0.10:
    /// Ethereum, OP Mainnet, Base, Arbitrum One, Sepolia share these addresses, as do most
    /// chains); on the devnet the module and its setup helper are the npm bytes that
    /// `scripts/devnet/devnet.mjs` deploys, which land elsewhere. Whether the code is there is
    /// checked on chain before an account is made.
    pub fn for_chain(chain_id: u64) -> SafeDeployment {
        let (module, module_setup) = match chain_id {
            crate::primitives::DEVNET_CHAIN_ID => (
                address!("dBe027F6A41AF5cFf83799669348079D574faeCe"),
                address!("179D495ba379eC6Ee559CbEdd4511Fa52976A02A"),
            ),
            _ => (
                address!("75cf11467937ce3F2f357CE24ffc3DBF8fD5c226"),
                address!("2dd68b007B46fBe91B9A7c3EDa5A7a1063cB5b47"),
            ),
        };
        SafeDeployment {
            singleton: SINGLETON,
            proxy_factory: PROXY_FACTORY,
            module,
            module_setup,
            multi_send_call_only: MULTI_SEND_CALL_ONLY,
            multi_send: MULTI_SEND,
        }
    }
}

const PROXY_CREATION_CODE: &str = include_str!("safe_proxy_1_4_1.hex");

/// The salt nonce Cairn deploys with: one Safe per owner key (recovery changes the owner, not
/// the address).
pub const SALT_NONCE: U256 = U256::ZERO;

/// `setup(...)`: `owners`, `threshold`, an optional delegatecall during setup and the fallback
/// handler.
pub(crate) fn setup_call(
    owners: &[Address],
    threshold: u64,
    to: Address,
    data: Vec<u8>,
    fallback_handler: Address,
) -> Vec<u8> {
    abi::setupCall {
        owners: owners.to_vec(),
        threshold: U256::from(threshold),
        to,
        data: data.into(),
        fallbackHandler: fallback_handler,
        paymentToken: Address::ZERO,
        payment: U256::ZERO,
        paymentReceiver: Address::ZERO,
    }
    .abi_encode()
}

/// `setup(...)` for a Safe of `owners` needing `threshold` of them, with the 4337 module
/// enabled and installed as the fallback handler (the EntryPoint reaches the module through it).
pub fn initializer(d: &SafeDeployment, owners: &[Address], threshold: u64) -> Vec<u8> {
    let enable = abi::enableModulesCall {
        modules: vec![d.module],
    }
    .abi_encode();
    setup_call(owners, threshold, d.module_setup, enable, d.module)
}

/// Where the proxy factory puts a Safe set up by `initializer` with `salt_nonce`.
pub(crate) fn proxy_address(d: &SafeDeployment, initializer: &[u8], salt_nonce: U256) -> Address {
    let salt = keccak256((keccak256(initializer), salt_nonce).abi_encode_packed());
    // A compile-time constant of this crate: a unit test proves it decodes.
    let mut code = hex::decode(PROXY_CREATION_CODE.trim()).unwrap_or_default();
    code.extend_from_slice(&U256::from_be_slice(d.singleton.as_slice()).to_be_bytes::<32>());
    d.proxy_factory.create2(salt, keccak256(&code))
}

/// `createProxyWithNonce(singleton, initializer, salt_nonce)`.
pub(crate) fn create_proxy_with(
    d: &SafeDeployment,
    initializer: Vec<u8>,
    salt_nonce: U256,
) -> Vec<u8> {
    abi::createProxyWithNonceCall {
        singleton: d.singleton,
        initializer: initializer.into(),
        saltNonce: salt_nonce,
    }
    .abi_encode()
}

/// The address `createProxyWithNonce(singleton, initializer(owner), 0)` deploys to.
pub fn account_address(d: &SafeDeployment, owner: Address) -> Address {
    proxy_address(d, &initializer(d, &[owner], 1), SALT_NONCE)
}

/// `factoryData` (and, as an `eth_call`, the factory's own computation of the address).
pub fn create_proxy_call(d: &SafeDeployment, owner: Address) -> Vec<u8> {
    create_proxy_with(d, initializer(d, &[owner], 1), SALT_NONCE)
}

/// `MultiSend`'s packed list: `operation(1) ‖ to(20) ‖ value(32) ‖ length(32) ‖ data`, each
/// call with its operation (0 call, 1 delegatecall: `MultiSendCallOnly` takes only 0).
fn multi_send_of(calls: &[(u8, &Call)]) -> Vec<u8> {
    let mut packed = Vec::new();
    for (operation, c) in calls {
        packed.push(*operation);
        packed.extend_from_slice(c.to.as_slice());
        packed.extend_from_slice(&c.value.to_be_bytes::<32>());
        packed.extend_from_slice(&U256::from(c.data.len()).to_be_bytes::<32>());
        packed.extend_from_slice(&c.data);
    }
    abi::multiSendCall {
        transactions: packed.into(),
    }
    .abi_encode()
}

fn multi_send(calls: &[Call]) -> Vec<u8> {
    multi_send_of(&calls.iter().map(|c| (0u8, c)).collect::<Vec<_>>())
}

/// `setup(...)` for a Safe whose one owner is a passkey: the shared signer is the owner, and
/// the setup delegatecalls (through `MultiSend`) the module's enabling and the shared signer's
/// `configure` with the passkey's key, which it keeps in the Safe's own storage.
pub fn passkey_initializer(
    d: &SafeDeployment,
    p: &PasskeyDeployment,
    key: &super::webauthn::PasskeyKey,
) -> Vec<u8> {
    let enable = Call {
        to: d.module_setup,
        value: U256::ZERO,
        data: abi::enableModulesCall {
            modules: vec![d.module],
        }
        .abi_encode()
        .into(),
    };
    let configure = Call {
        to: p.shared_signer,
        value: U256::ZERO,
        data: key.configure_call().into(),
    };
    let setup = multi_send_of(&[(1, &enable), (1, &configure)]);
    setup_call(&[p.shared_signer], 1, d.multi_send, setup, d.module)
}

/// The address of the passkey Safe of `key` (see [`passkey_initializer`]).
pub fn passkey_account_address(
    d: &SafeDeployment,
    p: &PasskeyDeployment,
    key: &super::webauthn::PasskeyKey,
) -> Address {
    proxy_address(d, &passkey_initializer(d, p, key), SALT_NONCE)
}

/// `factoryData` of the passkey Safe of `key`.
pub fn passkey_create_proxy_call(
    d: &SafeDeployment,
    p: &PasskeyDeployment,
    key: &super::webauthn::PasskeyKey,
) -> Vec<u8> {
    create_proxy_with(d, passkey_initializer(d, p, key), SALT_NONCE)
}

/// An estimate's signature for a passkey Safe signed through `signer` (the shared signer or a
/// signer proxy): a WebAuthn signature of the real one's shape
/// (authenticator data with UP|UV, the fields a browser adds, `r` and `s` in range) that
/// verifies for no key — both the precompile and the Solidity fallback run, as the real one
/// may cost on a chain without the precompile.
pub fn passkey_dummy_signature(signer: Address) -> Bytes {
    let mut authenticator_data = vec![0x49; 32];
    authenticator_data.extend_from_slice(&[0x05, 0, 0, 0, 1]);
    let fields = r#""origin":"https://cairn.app","crossOrigin":false"#.to_string();
    let word = U256::from_be_bytes([0x5a; 32]);
    let webauthn = (Bytes::from(authenticator_data), fields, word, word).abi_encode_params();
    passkey_signature(signer, webauthn)
}

/// A passkey Safe operation's signature: the validity window, then the contract signature of
/// `signer` — the shared signer for the first passkey, a signer proxy for a later one — its
/// slot pointing at the WebAuthn signature the contracts decode.
pub fn passkey_signature(signer: Address, webauthn_signature: Vec<u8>) -> Bytes {
    let mut sig = VALIDITY.to_vec();
    sig.extend(super::guardians::signature_blob(&[(
        signer,
        super::guardians::GuardianSig::Contract(webauthn_signature),
    )]));
    sig.into()
}

/// The contract signer of a one-signer Safe operation signature (a passkey's signer), `None`
/// for an owner key's ECDSA signature: the first slot after the validity window with `v` = 0
/// names its signer in `r`.
pub fn contract_signer(signature: &[u8]) -> Option<Address> {
    let slot = signature.get(VALIDITY.len()..VALIDITY.len() + 65)?;
    (slot[64] == 0 && slot[..12].iter().all(|b| *b == 0))
        .then(|| Address::from_slice(&slot[12..32]))
}

/// `addOwnerWithThreshold(owner, threshold)`, a Safe's call to itself.
pub fn add_owner_call(owner: Address, threshold: u64) -> Vec<u8> {
    abi::addOwnerWithThresholdCall {
        owner,
        threshold: U256::from(threshold),
    }
    .abi_encode()
}

/// `removeOwner(prev, owner, threshold)`: `prev` is the owner before it in the Safe's list
/// (`getOwners` order; the sentinel `0x…01` for the first).
pub fn remove_owner_call(prev: Address, owner: Address, threshold: u64) -> Vec<u8> {
    abi::removeOwnerCall {
        prevOwner: prev,
        owner,
        threshold: U256::from(threshold),
    }
    .abi_encode()
}

/// The user operation's calldata: one call as it is, several as one delegatecall to
/// `MultiSendCallOnly` (all or nothing). The `WithErrorString` form lets a failed call's own
/// revert reason reach the receipt.
pub fn call_data(d: &SafeDeployment, calls: &[Call]) -> Result<Bytes, AaError> {
    let (to, value, data, operation) = match calls {
        [] => return Err(AaError::NoCalls),
        [one] => (one.to, one.value, one.data.clone(), 0u8),
        many => (
            d.multi_send_call_only,
            U256::ZERO,
            multi_send(many).into(),
            1u8,
        ),
    };
    Ok(abi::executeUserOpWithErrorStringCall {
        to,
        value,
        data,
        operation,
    }
    .abi_encode()
    .into())
}

/// Bytes 0..12 of a Safe operation's signature: valid after and until (zero: always).
const VALIDITY: [u8; 12] = [0; 12];

/// An estimate's signature: the validity window and one owner signature's shape that
/// recovers to no owner (the module reports a signature failure, as the real one costs).
pub fn dummy_signature() -> Bytes {
    let mut sig = VALIDITY.to_vec();
    sig.extend_from_slice(&super::DUMMY_SIGNATURE);
    sig.into()
}

/// The SafeOp EIP-712 hash the module checks the owners' signatures against (its
/// `getOperationHash`), for an operation valid at any time.
pub fn operation_hash(d: &SafeDeployment, op: &UserOp, chain_id: u64) -> B256 {
    let type_hash = keccak256(
        "SafeOp(address safe,uint256 nonce,bytes initCode,bytes callData,\
         uint128 verificationGasLimit,uint128 callGasLimit,uint256 preVerificationGas,\
         uint128 maxPriorityFeePerGas,uint128 maxFeePerGas,bytes paymasterAndData,\
         uint48 validAfter,uint48 validUntil,address entryPoint)",
    );
    // The packed layout keeps 128 bits of these, and the module hashes what it unpacks.
    let low128 = |v: U256| v & U256::from(u128::MAX);
    let struct_hash = keccak256(
        (
            type_hash,
            op.sender,
            op.nonce,
            keccak256(op.init_code()),
            keccak256(&op.call_data),
            low128(op.verification_gas_limit),
            low128(op.call_gas_limit),
            op.pre_verification_gas,
            low128(op.max_priority_fee_per_gas),
            low128(op.max_fee_per_gas),
            keccak256(op.paymaster_and_data()),
            U256::ZERO,
            U256::ZERO,
            super::EntryPointVersion::V07.entry_point(),
        )
            .abi_encode_params(),
    );
    let domain = keccak256(
        (
            keccak256("EIP712Domain(uint256 chainId,address verifyingContract)"),
            U256::from(chain_id),
            d.module,
        )
            .abi_encode_params(),
    );
    super::eip712_digest(domain, struct_hash)
}

/// `module.getOperationHash(op)` calldata, for checking [`operation_hash`] on chain.
pub fn get_operation_hash_call(op: &UserOp) -> Vec<u8> {
    super::abi::getOperationHashCall {
        userOp: op.packed(),
    }
    .abi_encode()
}

/// Signs the SafeOp hash with one owner's key (an ECDSA signature over the hash itself, `v` 27
/// or 28, as `checkSignatures` reads it) and puts it in the operation. Returns the SafeOp hash.
pub fn sign(
    d: &SafeDeployment,
    op: &mut UserOp,
    signer: &PrivateKeySigner,
    chain_id: u64,
) -> Result<B256, AaError> {
    let hash = operation_hash(d, op, chain_id);
    let signature = signer
        .sign_hash_sync(&hash)
        .map_err(|e| AaError::Signing(e.to_string()))?;
    let mut sig = VALIDITY.to_vec();
    sig.extend_from_slice(&signature.as_bytes());
    op.signature = sig.into();
    Ok(hash)
}

/// `getOwners()` calldata and its answer.
pub fn get_owners_call() -> Vec<u8> {
    abi::getOwnersCall {}.abi_encode()
}

pub fn decode_owners(bytes: &[u8]) -> Option<Vec<Address>> {
    abi::getOwnersCall::abi_decode_returns(bytes).ok()
}

/// `getThreshold()` calldata and its answer.
pub fn get_threshold_call() -> Vec<u8> {
    abi::getThresholdCall {}.abi_encode()
}

pub fn decode_threshold(bytes: &[u8]) -> Option<u64> {
    abi::getThresholdCall::abi_decode_returns(bytes)
        .ok()
        .and_then(|t| u64::try_from(t).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proxy_creation_code_decodes() {
        let code = hex::decode(PROXY_CREATION_CODE.trim()).unwrap();
        assert!(code.len() > 400, "{} bytes", code.len());
    }

    #[test]
    fn a_passkey_signature_names_its_signer_and_a_key_signature_none() {
        let signer = Address::repeat_byte(0x42);
        assert_eq!(
            contract_signer(&passkey_dummy_signature(signer)),
            Some(signer)
        );
        assert_eq!(
            contract_signer(&passkey_signature(signer, vec![7; 300])),
            Some(signer)
        );
        // An owner key's signature: r is a number, v is 27 or 28.
        let mut key = VALIDITY.to_vec();
        key.extend_from_slice(&[0xab; 64]);
        key.push(27);
        assert_eq!(contract_signer(&key), None);
        assert_eq!(contract_signer(&dummy_signature()), None);
        assert_eq!(contract_signer(&[0; 40]), None);
    }

    #[test]
    fn a_batch_is_one_delegatecall_to_multi_send() {
        let d = SafeDeployment::for_chain(1);
        let call = |n: u8| Call {
            to: Address::repeat_byte(n),
            value: U256::from(n),
            data: vec![n; n as usize].into(),
        };
        let one = call_data(&d, &[call(1)]).unwrap();
        let decoded = abi::executeUserOpWithErrorStringCall::abi_decode(&one).unwrap();
        assert_eq!(
            (decoded.to, decoded.value, decoded.operation),
            (Address::repeat_byte(1), U256::from(1), 0)
        );
        let two = call_data(&d, &[call(1), call(2)]).unwrap();
        let decoded = abi::executeUserOpWithErrorStringCall::abi_decode(&two).unwrap();
        assert_eq!(
            (decoded.to, decoded.value, decoded.operation),
            (d.multi_send_call_only, U256::ZERO, 1)
        );
        let inner = abi::multiSendCall::abi_decode(&decoded.data).unwrap();
        // 85 bytes of header per call, then its data.
        assert_eq!(inner.transactions.len(), 85 + 1 + 85 + 2);
        assert_eq!(
            &inner.transactions[1..21],
            Address::repeat_byte(1).as_slice()
        );
        assert!(matches!(call_data(&d, &[]), Err(AaError::NoCalls)));
    }

    #[test]
    fn the_signature_carries_the_validity_window_then_the_owner() {
        let d = SafeDeployment::for_chain(1);
        let signer = PrivateKeySigner::random();
        let mut op = UserOp {
            sender: account_address(&d, signer.address()),
            ..UserOp::default()
        };
        let hash = sign(&d, &mut op, &signer, 1).unwrap();
        assert_eq!(op.signature.len(), 12 + 65);
        assert_eq!(&op.signature[..12], &[0u8; 12]);
        let sig = alloy::primitives::Signature::try_from(&op.signature[12..]).unwrap();
        assert_eq!(
            sig.recover_address_from_prehash(&hash).unwrap(),
            signer.address()
        );
        // Another chain, another hash: a signature cannot be replayed there.
        assert_ne!(operation_hash(&d, &op, 10), hash);
    }
}
