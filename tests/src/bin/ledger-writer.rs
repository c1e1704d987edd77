//! A process that writes to a wallet's ledger as fast as it can until it is killed: the victim
//! of the crash test. Usage: `ledger-writer <profile dir>` with CAIRN_PASSWORD set. Prints
//! `ready` once unlocked.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use alloy::primitives::U256;
use cairn_core::keychain::NoKeychain;
use cairn_core::{Network, Wallet, WalletConfig};
use secrecy::SecretString;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let (Some(dir), Ok(password)) = (std::env::args().nth(1), std::env::var("CAIRN_PASSWORD"))
    else {
        eprintln!("usage: CAIRN_PASSWORD=… ledger-writer <profile dir>");
        return ExitCode::from(2);
    };
    let config = WalletConfig {
        data_dir: dir.into(),
        network: Network::devnet("http://127.0.0.1:9"),
        // The crash test's wallet is made with the tests' cheap KDF; opening it with the
        // release floor would refuse it.
        kdf: cairn_tests::wallet::FAST_KDF,
        keychain: Arc::new(NoKeychain),
    };
    let result = async {
        let wallet = Wallet::new(config)?;
        let accounts = wallet.unlock(SecretString::from(password)).await?;
        let from = accounts
            .first()
            .ok_or(cairn_core::Error::NoAccount)?
            .address
            .clone();
        println!("ready");
        let _ = std::io::stdout().flush();
        let to = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
        for i in 0u64.. {
            wallet
                .record_transfer_intent(&from, to, U256::from(i))
                .await?;
            if i % 7 == 0 {
                wallet
                    .rename_account(&from, &format!("Account renamed {i}"))
                    .await?;
            }
        }
        Ok::<(), cairn_core::Error>(())
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ledger-writer: {e}");
            ExitCode::FAILURE
        }
    }
}
