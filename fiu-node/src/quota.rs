//! Abuse limits on the calls that probe filters and indexes: investigators' look-ups (per user
//! and for the whole node) and peers' follow-up requests (per peer).
//!
//! Each member that holds the epoch key can test guesses against the filters it holds
//! (docs/SECURITY.md); quotas bound how fast a user, or a compromised node account, can do so,
//! and how fast a peer can make this node resolve tokens against its index. Every refusal is a
//! `RESOURCE_EXHAUSTED` status naming the quota and when to retry; the server's refusal layer
//! writes it to the audit log (`call.refused`) like every refused call.
//!
//! # Design
//!
//! Token buckets (GCRA) from the `governor` crate, one per user or peer: a caller may spend
//! its whole minute's quota at once (an investigator checking a list of names), then waits
//! for it to refill at the configured rate. Buckets are in memory: a restart refills them,
//! which is acceptable for a limit measured in minutes. The clock is a type parameter so unit
//! tests control time.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

use crate::config::LimitsSection;

/// Checks between two sweeps of idle per-user buckets, so that the maps stay as small as the
/// set of recently active callers.
const SWEEP_EVERY: u64 = 1024;

type Keyed<C> =
    RateLimiter<String, DashMapStateStore<String>, C, NoOpMiddleware<<C as Clock>::Instant>>;
type Direct<C> = RateLimiter<NotKeyed, InMemoryState, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// Which quota refused a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaKind {
    /// `limits.lookups_per_minute_per_user`.
    LookupsPerUser,
    /// `limits.lookups_per_minute_node`.
    LookupsNode,
    /// `limits.follow_ups_per_minute_per_peer`.
    FollowUpsPerPeer,
}

impl QuotaKind {
    /// The configuration field that sets the quota.
    pub fn field(self) -> &'static str {
        match self {
            QuotaKind::LookupsPerUser => "limits.lookups_per_minute_per_user",
            QuotaKind::LookupsNode => "limits.lookups_per_minute_node",
            QuotaKind::FollowUpsPerPeer => "limits.follow_ups_per_minute_per_peer",
        }
    }
}

/// A call refused by a quota.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} quota of {per_minute} per minute ({field}) is used up; retry in {} s", whole_seconds(*.retry_after))]
pub struct Refusal {
    /// The quota.
    pub kind: QuotaKind,
    /// What was counted, for the message ("your look-up", "this node's look-up").
    what: &'static str,
    /// The configuration field.
    field: &'static str,
    /// The configured rate.
    pub per_minute: u32,
    /// How long until one more call is allowed.
    pub retry_after: Duration,
}

/// Seconds rounded up, at least 1: "retry in 0 s" would invite an immediate retry.
fn whole_seconds(d: Duration) -> u64 {
    (d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1)
}

impl Refusal {
    /// The `RESOURCE_EXHAUSTED` status the caller gets.
    pub fn status(&self) -> tonic::Status {
        tonic::Status::resource_exhausted(self.to_string())
    }
}

/// The node's quotas. Cheap to share behind an `Arc`; every check is lock-free or takes one
/// shard lock.
pub struct Quotas<C: Clock = DefaultClock> {
    clock: C,
    lookups_per_user: (u32, Keyed<C>),
    lookups_node: (u32, Direct<C>),
    follow_ups_per_peer: (u32, Keyed<C>),
    checks: AtomicU64,
}

impl<C: Clock> std::fmt::Debug for Quotas<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Quotas")
            .field("lookups_per_user", &self.lookups_per_user.0)
            .field("lookups_node", &self.lookups_node.0)
            .field("follow_ups_per_peer", &self.follow_ups_per_peer.0)
            .finish()
    }
}

fn per_minute(n: u32) -> Quota {
    // Config checking refuses 0; a 0 reaching here is treated as 1 rather than unlimited.
    Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

impl Quotas<DefaultClock> {
    /// Quotas as `limits` configures them, on the real clock.
    pub fn new(limits: &LimitsSection) -> Quotas {
        Quotas::with_clock(limits, DefaultClock::default())
    }
}

impl<C: Clock + Clone> Quotas<C> {
    /// Quotas on `clock` (tests pass a fake one).
    pub fn with_clock(limits: &LimitsSection, clock: C) -> Quotas<C> {
        let user = limits.lookups_per_minute_per_user;
        let node = limits.lookups_per_minute_node;
        let peer = limits.follow_ups_per_minute_per_peer;
        Quotas {
            lookups_per_user: (
                user,
                RateLimiter::dashmap_with_clock(per_minute(user), clock.clone()),
            ),
            lookups_node: (
                node,
                RateLimiter::direct_with_clock(per_minute(node), clock.clone()),
            ),
            follow_ups_per_peer: (
                peer,
                RateLimiter::dashmap_with_clock(per_minute(peer), clock.clone()),
            ),
            clock,
            checks: AtomicU64::new(0),
        }
    }

    fn sweep(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.lookups_per_user.1.retain_recent();
            self.follow_ups_per_peer.1.retain_recent();
        }
    }

    /// Counts one look-up by `user`: refused when the user's quota or the node's is used up.
    /// The user's quota is checked first, so one busy user cannot use up the node's quota
    /// beyond their own share.
    pub fn check_lookup(&self, user: &str) -> Result<(), Refusal> {
        self.sweep();
        let (n, limiter) = &self.lookups_per_user;
        if let Err(not_until) = limiter.check_key(&user.to_owned()) {
            return Err(Refusal {
                kind: QuotaKind::LookupsPerUser,
                what: "your look-up",
                field: QuotaKind::LookupsPerUser.field(),
                per_minute: *n,
                retry_after: not_until.wait_time_from(self.clock.now()),
            });
        }
        let (n, limiter) = &self.lookups_node;
        if let Err(not_until) = limiter.check() {
            return Err(Refusal {
                kind: QuotaKind::LookupsNode,
                what: "this node's look-up",
                field: QuotaKind::LookupsNode.field(),
                per_minute: *n,
                retry_after: not_until.wait_time_from(self.clock.now()),
            });
        }
        Ok(())
    }

    /// Counts one follow-up request received from `peer`.
    pub fn check_follow_up(&self, peer: &str) -> Result<(), Refusal> {
        self.sweep();
        let (n, limiter) = &self.follow_ups_per_peer;
        limiter
            .check_key(&peer.to_owned())
            .map_err(|not_until| Refusal {
                kind: QuotaKind::FollowUpsPerPeer,
                what: "the follow-up request",
                field: QuotaKind::FollowUpsPerPeer.field(),
                per_minute: *n,
                retry_after: not_until.wait_time_from(self.clock.now()),
            })
    }
}

/// Answers a call that a quota refused: logs it (caller and quota, nothing of the request)
/// and returns the status to send. The server's refusal layer (`audit_log::refusals`) writes
/// the `call.refused` audit event from that status, as for every refused call.
pub fn refuse(refusal: Refusal, call: &'static str, caller: &str) -> tonic::Status {
    tracing::warn!(%caller, call, quota = refusal.field, per_minute = refusal.per_minute,
        "call refused: quota used up");
    refusal.status()
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    fn quotas(user: u32, node: u32, peer: u32) -> (Quotas<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        let limits = LimitsSection {
            lookups_per_minute_per_user: user,
            lookups_per_minute_node: node,
            follow_ups_per_minute_per_peer: peer,
            ..LimitsSection::default()
        };
        (Quotas::with_clock(&limits, clock.clone()), clock)
    }

    #[test]
    fn a_user_over_quota_is_refused_and_others_are_not() {
        let (q, clock) = quotas(3, 100, 10);
        for _ in 0..3 {
            q.check_lookup("ana").unwrap();
        }
        let r = q.check_lookup("ana").unwrap_err();
        assert_eq!(r.kind, QuotaKind::LookupsPerUser);
        assert_eq!(r.retry_after, Duration::from_secs(20));
        let m = r.to_string();
        assert!(
            m.contains("3 per minute")
                && m.contains("limits.lookups_per_minute_per_user")
                && m.contains("retry in 20 s"),
            "{m}"
        );
        q.check_lookup("ben").unwrap();
        // The bucket refills at the configured rate: one look-up each 20 s.
        clock.advance(Duration::from_secs(20));
        q.check_lookup("ana").unwrap();
        assert!(q.check_lookup("ana").is_err());
    }

    #[test]
    fn the_node_quota_bounds_all_users_together() {
        let (q, _) = quotas(10, 4, 10);
        for user in ["a", "b", "c", "d"] {
            q.check_lookup(user).unwrap();
        }
        let r = q.check_lookup("e").unwrap_err();
        assert_eq!(r.kind, QuotaKind::LookupsNode);
        assert!(r.to_string().contains("this node's look-up quota of 4"));
    }

    #[test]
    fn follow_ups_are_limited_per_peer() {
        let (q, _) = quotas(1, 1, 2);
        q.check_follow_up("fiu-b").unwrap();
        q.check_follow_up("fiu-b").unwrap();
        let r = q.check_follow_up("fiu-b").unwrap_err();
        assert_eq!(r.kind, QuotaKind::FollowUpsPerPeer);
        assert_eq!(r.status().code(), tonic::Code::ResourceExhausted);
        q.check_follow_up("fiu-c").unwrap();
        assert!(
            r.status()
                .message()
                .contains("limits.follow_ups_per_minute_per_peer")
        );
    }
}
