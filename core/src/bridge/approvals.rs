//! The requests that wait for the user: each holds the caller's answer channel; the window (or
//! the CLI) lists them and decides. Bounded: a few per caller, a few dozen in all, each for a
//! few minutes; a caller that goes away takes its requests with it.

use std::sync::Mutex;
use std::time::Duration;

use cairn_api::{BridgeApproval, BridgeDecision};
use tokio::sync::oneshot;

/// At most this many requests of one caller wait at once.
pub(crate) const PER_CALLER: usize = 3;
/// At most this many in all.
pub(crate) const TOTAL: usize = 32;
/// A request nobody answered in this time is refused.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, Default)]
struct Inner {
    next: u64,
    waiting: Vec<(BridgeApproval, oneshot::Sender<BridgeDecision>)>,
}

#[derive(Debug, Default)]
pub(crate) struct Approvals {
    inner: Mutex<Inner>,
}

/// Why a request could not wait for the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Full {
    Caller,
    All,
}

impl Approvals {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Puts a request in line; its id is set here. The receiver gets the user's decision.
    pub(crate) fn ask(
        &self,
        mut approval: BridgeApproval,
    ) -> Result<(u64, oneshot::Receiver<BridgeDecision>), Full> {
        let mut inner = self.lock();
        inner.waiting.retain(|(_, tx)| !tx.is_closed());
        if inner.waiting.len() >= TOTAL {
            return Err(Full::All);
        }
        let mine = inner
            .waiting
            .iter()
            .filter(|(a, _)| a.caller == approval.caller)
            .count();
        if mine >= PER_CALLER {
            return Err(Full::Caller);
        }
        inner.next += 1;
        approval.id = inner.next;
        let id = approval.id;
        let (tx, rx) = oneshot::channel();
        inner.waiting.push((approval, tx));
        Ok((id, rx))
    }

    /// Everything waiting, oldest first (requests whose caller left are dropped).
    pub(crate) fn list(&self) -> Vec<BridgeApproval> {
        let mut inner = self.lock();
        inner.waiting.retain(|(_, tx)| !tx.is_closed());
        inner.waiting.iter().map(|(a, _)| a.clone()).collect()
    }

    /// The request `id`, still waiting.
    pub(crate) fn get(&self, id: u64) -> Option<BridgeApproval> {
        self.lock()
            .waiting
            .iter()
            .find(|(a, _)| a.id == id)
            .map(|(a, _)| a.clone())
    }

    /// Hands the user's decision to the waiting caller; false when nothing waits under `id`.
    pub(crate) fn decide(&self, decision: BridgeDecision) -> bool {
        let mut inner = self.lock();
        let Some(i) = inner.waiting.iter().position(|(a, _)| a.id == decision.id) else {
            return false;
        };
        let (_, tx) = inner.waiting.remove(i);
        tx.send(decision).is_ok()
    }

    /// Drops `id` (it timed out, or its caller left).
    pub(crate) fn withdraw(&self, id: u64) {
        self.lock().waiting.retain(|(a, _)| a.id != id);
    }

    /// Drops what `caller` asked (its access was revoked).
    pub(crate) fn withdraw_caller(&self, caller: &str) {
        self.lock().waiting.retain(|(a, _)| a.caller != caller);
    }

    /// Refuses everything (the bridge stopped, its wallet went away).
    pub(crate) fn clear(&self) {
        self.lock().waiting.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approval(caller: &str) -> BridgeApproval {
        BridgeApproval {
            id: 0,
            caller: caller.into(),
            label: caller.into(),
            domain: None,
            warnings: Vec::new(),
            method: "personal_sign".into(),
            account: None,
            chain_id: 1,
            payload: serde_json::Value::Null,
            created_at: 0,
        }
    }

    #[test]
    fn each_caller_waits_in_a_short_line() {
        let a = Approvals::default();
        let mut kept = Vec::new();
        for _ in 0..PER_CALLER {
            kept.push(a.ask(approval("https://a.example")).unwrap());
        }
        assert_eq!(
            a.ask(approval("https://a.example")).unwrap_err(),
            Full::Caller
        );
        // Another caller is not held up by the first.
        let (id, mut rx) = a.ask(approval("https://b.example")).unwrap();
        assert_eq!(a.list().len(), PER_CALLER + 1);
        assert!(a.decide(BridgeDecision {
            id,
            approve: true,
            accounts: Vec::new(),
            mfa_code: None
        }));
        assert!(rx.try_recv().unwrap().approve);
        // A caller that went away frees its place.
        kept.pop();
        assert!(a.ask(approval("https://a.example")).is_ok());
    }

    #[test]
    fn a_decision_for_nothing_waiting_is_refused() {
        let a = Approvals::default();
        assert!(!a.decide(BridgeDecision {
            id: 7,
            approve: true,
            accounts: Vec::new(),
            mfa_code: None
        }));
    }
}
