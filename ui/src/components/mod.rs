//! Shared pieces of markup, so that an address, an amount, a fee, an operation's state or an
//! error looks the same on every screen. Each keeps the exact elements, ids and classes its call
//! sites had before it existed: the GUI test and `style.css` find them by those, so where two
//! places differed the difference is a prop (a `*Look`), not a change.

mod account_select;
mod address;
mod amount;
mod approvals;
mod authenticator;
mod backup;
mod error_line;
mod fee;
mod fiat;
mod form;
mod guard;
mod identicon;
mod network_badge;
mod notices;
mod qr;
mod risk_view;
mod status_chip;
mod strength;
mod sync_badge;
mod tab;
pub(crate) mod time;
mod words;

pub(crate) use account_select::AccountSelect;
pub(crate) use address::{copy_text, short, Address, AddressLook, ExplorerLink};
pub(crate) use amount::{Amount, AmountLook};
pub(crate) use approvals::Approvals;
pub(crate) use authenticator::AuthenticatorPrompt;
pub(crate) use backup::{BackupReminder, WordCheck};
pub(crate) use error_line::{invalid_input, ErrorLine};
pub(crate) use fee::{FeePaid, MaxFee};
pub(crate) use fiat::{ago, fiat_text, price_origin, Fiat};
pub(crate) use form::{field, input_value, select_field, select_value};
pub(crate) use guard::{confirm_guarded, use_guard, CodeInput, GuardFields};
pub(crate) use identicon::Identicon;
pub(crate) use network_badge::{chain_label, NetworkBadge};
pub(crate) use notices::{
    approval_waiting, arrived as notice_arrived, set_system_wanted, system_wanted, Notices,
};
pub(crate) use qr::Qr;
pub(crate) use risk_view::RiskView;
pub(crate) use status_chip::StatusChip;
pub(crate) use strength::{acceptable, StrengthHint};
pub(crate) use sync_badge::SyncBadge;
pub(crate) use tab::TabButton;
pub(crate) use time::{day_break, When};
pub(crate) use words::RecoveryWords;
