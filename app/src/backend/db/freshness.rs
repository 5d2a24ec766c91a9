//! How current a replica must be to answer this instance's reads.
//!
//! A replica read is correct when the replica has replayed every write this
//! instance knows to be committed: its own (`Services::committed`) and every
//! other instance's (the change feed's notifications, heard by the cache
//! listener). Each time it learns of one, the instance asks the writer for
//! its WAL position (`pg_current_wal_lsn()`, taken after the commit, so at
//! or past its record) and keeps the largest; a replica read first checks
//! `pg_last_wal_replay_lsn()` against it on the same connection.
//!
//! The order matters: the position is raised before the cache drops what
//! the write made stale, so that no read refills the cache from a replica
//! that has not replayed the write yet.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

/// The writer's WAL position, in bytes from its start
/// (`pg_wal_lsn_diff(lsn, '0/0')`): comparable across a failover, since a
/// promoted standby continues the same sequence.
pub type Lsn = i64;

/// This instance's requirement on replicas. Cheap to clone; shared.
#[derive(Clone, Debug)]
pub struct Freshness(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    /// The largest position learnt.
    seen: AtomicI64,
    /// A write committed whose position could not be learnt (the writer
    /// went away between the commit and the question): no replica
    /// qualifies until a position taken afterwards is known.
    unknown: AtomicBool,
    /// Counts the times [`Freshness::lost`] was called, so that a position
    /// taken before the latest loss does not clear it.
    losses: Mutex<u64>,
}

impl Default for Freshness {
    /// Unknown at start: a replica may lag writes made before this
    /// instance started, so none answers until the writer's position is known.
    fn default() -> Self {
        Self(Arc::new(Inner {
            seen: AtomicI64::new(0),
            unknown: AtomicBool::new(true),
            losses: Mutex::new(0),
        }))
    }
}

impl Freshness {
    /// The position a replica must have replayed to answer, or `None` when
    /// no replica may.
    pub fn required(&self) -> Option<Lsn> {
        if self.0.unknown.load(Ordering::SeqCst) {
            None
        } else {
            Some(self.0.seen.load(Ordering::SeqCst))
        }
    }

    /// A committed write's position (or a later one).
    pub fn saw(&self, lsn: Lsn) {
        self.0.seen.fetch_max(lsn, Ordering::SeqCst);
    }

    /// A write committed at a position that could not be learnt.
    pub fn lost(&self) {
        let mut losses = self.0.losses.lock().unwrap_or_else(|e| e.into_inner());
        *losses += 1;
        self.0.unknown.store(true, Ordering::SeqCst);
    }

    /// A token to pass to [`Freshness::caught_up`] with a position asked
    /// for after taking it.
    pub fn losses(&self) -> u64 {
        *self.0.losses.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The writer's position `lsn`, asked for after [`Freshness::losses`]
    /// returned `losses`: it covers every write committed before then, so
    /// it clears a loss recorded before then.
    pub fn caught_up(&self, losses: u64, lsn: Lsn) {
        let current = self.0.losses.lock().unwrap_or_else(|e| e.into_inner());
        self.0.seen.fetch_max(lsn, Ordering::SeqCst);
        if *current == losses {
            self.0.unknown.store(false, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_replica_qualifies_before_the_writers_position_is_known() {
        let freshness = Freshness::default();
        assert_eq!(freshness.required(), None);
        freshness.saw(10);
        assert_eq!(freshness.required(), None);
        let losses = freshness.losses();
        freshness.caught_up(losses, 5);
        assert_eq!(freshness.required(), Some(10));
    }

    #[test]
    fn the_requirement_only_grows() {
        let freshness = Freshness::default();
        freshness.caught_up(freshness.losses(), 100);
        freshness.saw(50);
        assert_eq!(freshness.required(), Some(100));
        freshness.saw(150);
        assert_eq!(freshness.required(), Some(150));
    }

    #[test]
    fn a_position_asked_for_before_a_loss_does_not_clear_it() {
        let freshness = Freshness::default();
        freshness.caught_up(freshness.losses(), 100);
        let before = freshness.losses();
        freshness.lost();
        freshness.caught_up(before, 120);
        assert_eq!(freshness.required(), None);
        freshness.caught_up(freshness.losses(), 130);
        assert_eq!(freshness.required(), Some(130));
    }
}
