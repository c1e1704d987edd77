//! Signing for dapps and scripts: EIP-191 messages and EIP-712 typed data, the latter shown
//! field by field first.

use std::io::Read;
use std::path::PathBuf;

use cairn_core::guard::messages::MAX_TYPED_DATA_BYTES;
use clap::Subcommand;

use crate::ctx::{Ctx, Done};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Sign a message (EIP-191) or typed data (EIP-712, shown field by field first).
    #[command(subcommand, display_order = 190)]
    Sign(SignCmd),
}

#[derive(Debug, Subcommand)]
pub enum SignCmd {
    /// personal_sign: text, or 0x-hex bytes.
    Message {
        #[arg(long)]
        address: Option<String>,
        message: String,
    },
    /// eth_signTypedData_v4 from a JSON file ("-" for stdin). Refused for another chain.
    TypedData {
        #[arg(long)]
        address: Option<String>,
        file: PathBuf,
        /// Only show what would be signed.
        #[arg(long)]
        review: bool,
    },
}

pub async fn run(ctx: &Ctx<'_>, cmd: &Cmd) -> Result<Done, CliError> {
    let Cmd::Sign(cmd) = cmd;
    let wallet = &ctx.wallet;
    match cmd {
        SignCmd::Message { address, message } => {
            ctx.unlock().await?;
            let address = ctx.address_or_first(address).await?;
            let signed = wallet.sign_message(&address, message).await?;
            ctx.out.print(&signed, |s| s.signature.clone());
        }
        SignCmd::TypedData {
            address,
            file,
            review,
        } => {
            // Read no more than the core reviews (and one byte to know it was more).
            let limit = MAX_TYPED_DATA_BYTES as u64 + 1;
            let mut text = String::new();
            let read = if file.as_os_str() == "-" {
                std::io::stdin().take(limit).read_to_string(&mut text)
            } else {
                std::fs::File::open(file).and_then(|f| f.take(limit).read_to_string(&mut text))
            };
            read.map_err(|e| CliError::Usage(format!("could not read {}: {e}", file.display())))?;
            if text.len() > MAX_TYPED_DATA_BYTES {
                return Err(CliError::Usage(format!(
                    "the typed data is more than {MAX_TYPED_DATA_BYTES} bytes: Cairn reviews at most that"
                )));
            }
            let json = text;
            if *review {
                let (_, r) = wallet.review_typed_data(&json)?;
                ctx.out.print(&r, review_text);
                return Ok(Done::Leave);
            }
            ctx.unlock().await?;
            let address = ctx.address_or_first(address).await?;
            let signed = wallet.sign_typed_data(&address, &json).await?;
            // The review for the person (stderr), the signature alone for the pipe (stdout).
            if let Some(review) = &signed.review {
                ctx.out.note(&review_text(review));
            }
            ctx.out.print(&signed, |s| s.signature.clone());
        }
    }
    Ok(Done::Lock)
}

/// Typed data as it will be signed: its type and hash, then every field, then the warnings.
fn review_text(r: &cairn_api::TypedDataReview) -> String {
    let mut lines = vec![format!("{} (hash {})", r.primary_type, r.hash)];
    for f in r.domain.iter().chain(&r.fields) {
        lines.push(format!("  {} ({}): {}", f.name, f.kind, f.value));
    }
    for w in &r.warnings {
        lines.push(format!("WARNING: {w}"));
    }
    lines.join("\n")
}
