//! [`GroupCommit`]: concurrent callers that each need a small transaction of their own share
//! one transaction, and so one fsync.
//!
//! # Why
//!
//! A look-up changes nothing but the audit log, so its entry is a transaction of its own
//! ([`Store::append_audit`](super::Store::append_audit)), and the rule is that the
//! investigator never sees an answer whose audit entry could still be lost: the commit must
//! be durable (`synchronous = FULL`, one fsync of the WAL) before the call returns. One
//! commit per call makes every look-up wait for its own fsync (about 4 ms on the development
//! VM) and, since commits run one at a time, caps a node at about 250 look-ups a second
//! whatever its cores. Group commit keeps the rule and shares the fsync: callers that arrive
//! while a commit is under way queue their entries, and the next transaction writes them all.
//!
//! # How (leader and followers)
//!
//! A caller appends its items to the queue and waits on a [`Condvar`]. Whoever finds no
//! commit under way becomes the leader: it takes the whole queue (one batch), writes it in
//! one transaction with the closure it was given, in queue order (so the audit log's `seq`
//! stays gapless and follows the order of arrival), records the outcome for each caller of
//! the batch and wakes them. Callers that queued meanwhile form the next batch; one of them
//! leads it once the commit in progress is over. Each caller gets the outcome of exactly the
//! transaction that held its items: success only once that transaction committed, and the
//! error if it failed (the other batches are untouched).
//!
//! A lone caller pays one commit, as before; a caller that arrives while a commit is under
//! way waits for that one and then its own (at most two). The latency floor stays one fsync;
//! the throughput is no longer one caller per fsync.
//!
//! Alternatives that lost: `synchronous = NORMAL` for these entries (a power cut could lose
//! the record of an answer already seen); a dedicated writer thread fed by a channel (the
//! same batching, plus a thread to start and stop; here the callers' own blocking threads do
//! the work and nothing outlives the store).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use super::{StoreError, StoreResult};

/// Batches concurrent submissions of `T` into shared transactions. `Send + Sync`; the store
/// holds one per kind of stand-alone write.
pub(crate) struct GroupCommit<T> {
    state: Mutex<State<T>>,
    /// Signalled whenever a batch's outcome is recorded (and the commit slot is free).
    finished: Condvar,
    /// Transactions written (or tried) so far: fewer than the submissions when callers
    /// shared them.
    transactions: AtomicU64,
}

impl<T> std::fmt::Debug for GroupCommit<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit")
            .field("transactions", &self.transactions.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

struct State<T> {
    /// Items waiting for the next transaction, in the order they were submitted.
    queue: Vec<T>,
    /// Callers whose items are in `queue`.
    queued_callers: usize,
    /// Number of the batch that `queue` will be written as.
    next_batch: u64,
    /// Whether a leader is writing a batch now.
    committing: bool,
    /// Outcomes of written batches that some of their followers have not collected yet.
    outcomes: HashMap<u64, Outcome>,
}

/// A written batch's outcome, shared by its followers.
struct Outcome {
    result: Result<(), Arc<StoreError>>,
    /// Followers of the batch still to collect it; removed at zero.
    uncollected: usize,
}

impl<T: Clone> GroupCommit<T> {
    /// An idle group with nothing queued.
    pub(crate) fn new() -> GroupCommit<T> {
        GroupCommit {
            state: Mutex::new(State {
                queue: Vec::new(),
                queued_callers: 0,
                next_batch: 0,
                committing: false,
                outcomes: HashMap::new(),
            }),
            finished: Condvar::new(),
            transactions: AtomicU64::new(0),
        }
    }

    /// Transactions written (or tried) so far. Fewer than the calls to [`Self::submit`] when
    /// callers shared them; tests and the audit bench read it.
    pub(crate) fn transactions(&self) -> u64 {
        self.transactions.load(Ordering::Relaxed)
    }

    /// Writes `items` durably, in one transaction shared with whatever other callers queued
    /// at the same time, and returns once that transaction committed (or failed).
    ///
    /// `write` must write all the items it is given in one transaction and commit it; only
    /// the leader's closure runs, so every caller must pass one that does the same thing.
    /// When the transaction held the items of several callers, a failure reaches each of
    /// them as [`StoreError::Shared`]; a caller alone in its batch gets the error itself.
    /// Nothing to write returns at once.
    pub(crate) fn submit(
        &self,
        items: &[T],
        write: impl FnOnce(&[T]) -> StoreResult<()>,
    ) -> StoreResult<()> {
        if items.is_empty() {
            return Ok(());
        }
        let mut state = self.lock();
        state.queue.extend_from_slice(items);
        state.queued_callers += 1;
        let batch = state.next_batch;
        loop {
            if let Some(outcome) = state.outcomes.get_mut(&batch) {
                outcome.uncollected -= 1;
                let result = outcome.result.clone();
                if outcome.uncollected == 0 {
                    state.outcomes.remove(&batch);
                }
                return result.map_err(StoreError::Shared);
            }
            if !state.committing {
                // No outcome for our batch and no commit under way: our batch has not been
                // taken (a leader records the outcome before it frees the slot), so it is
                // still the queue, and we lead it.
                return self.lead(state, write);
            }
            state = self
                .finished
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Takes the queue as one batch, writes it, and hands the outcome to its followers.
    fn lead(
        &self,
        mut state: MutexGuard<'_, State<T>>,
        write: impl FnOnce(&[T]) -> StoreResult<()>,
    ) -> StoreResult<()> {
        let batch = state.next_batch;
        state.next_batch += 1;
        state.committing = true;
        let items = std::mem::take(&mut state.queue);
        let callers = std::mem::replace(&mut state.queued_callers, 0);
        drop(state);
        // If `write` panics, the guard still frees the slot and fails the followers, so
        // nobody waits forever (the transaction was dropped, which rolls it back).
        let mut guard = Finish {
            group: self,
            batch,
            followers: callers.saturating_sub(1),
            done: false,
        };
        self.transactions.fetch_add(1, Ordering::Relaxed);
        let result = write(&items);
        guard.done = true;
        if guard.followers == 0 {
            guard.record(Ok(()));
            return result;
        }
        let shared = result.map_err(Arc::new);
        guard.record(shared.clone());
        shared.map_err(StoreError::Shared)
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // No code that can panic runs under this lock; a poisoned state is still consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The end of a leader's commit: records the outcome for its followers, frees the commit
/// slot and wakes the waiters, also when the leader unwinds.
struct Finish<'a, T: Clone> {
    group: &'a GroupCommit<T>,
    batch: u64,
    followers: usize,
    /// Whether `write` returned (false while it runs, so a panic is told apart).
    done: bool,
}

impl<T: Clone> Finish<'_, T> {
    fn record(&self, result: Result<(), Arc<StoreError>>) {
        let mut state = self.group.lock();
        if self.followers > 0 {
            state.outcomes.insert(
                self.batch,
                Outcome {
                    result,
                    uncollected: self.followers,
                },
            );
        }
        state.committing = false;
        drop(state);
        self.group.finished.notify_all();
    }
}

impl<T: Clone> Drop for Finish<'_, T> {
    fn drop(&mut self) {
        if !self.done {
            self.record(Err(Arc::new(StoreError::CommitAbandoned)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;
    use std::sync::mpsc;
    use std::time::Duration;

    /// Waits until `n` callers are queued behind the commit under way.
    fn wait_for_queued<T: Clone>(group: &GroupCommit<T>, n: usize) {
        while group.lock().queued_callers < n {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn callers_queued_behind_a_commit_share_the_next_transaction_in_order() {
        let group = GroupCommit::<u32>::new();
        let written = Mutex::new(Vec::<Vec<u32>>::new());
        let (release, gate) = mpsc::channel::<()>();
        let gate = Mutex::new(gate);
        let write = |items: &[u32]| {
            // The first transaction holds until the others are queued.
            if items == [0] {
                gate.lock().unwrap().recv().unwrap();
            }
            written.lock().unwrap().push(items.to_vec());
            Ok(())
        };
        std::thread::scope(|s| {
            let first = s.spawn(|| group.submit(&[0], write));
            while !group.lock().committing {
                std::thread::sleep(Duration::from_millis(1));
            }
            let others: Vec<_> = (1..=8u32)
                .map(|i| {
                    let group = &group;
                    let h = s.spawn(move || group.submit(&[i * 10, i * 10 + 1], write));
                    wait_for_queued(group, i as usize);
                    h
                })
                .collect();
            release.send(()).unwrap();
            first.join().unwrap().unwrap();
            for h in others {
                h.join().unwrap().unwrap();
            }
        });
        let written = written.into_inner().unwrap();
        assert_eq!(group.transactions(), 2);
        assert_eq!(written.len(), 2);
        assert_eq!(written[0], [0]);
        let expected: Vec<u32> = (1..=8u32).flat_map(|i| [i * 10, i * 10 + 1]).collect();
        assert_eq!(
            written[1], expected,
            "one transaction, in the order of arrival"
        );
    }

    #[test]
    fn a_failed_transaction_fails_exactly_its_callers_and_the_next_ones_succeed() {
        let group = GroupCommit::<u32>::new();
        let (release, gate) = mpsc::channel::<()>();
        let gate = Mutex::new(gate);
        let write = |items: &[u32]| {
            if items == [0] {
                gate.lock().unwrap().recv().unwrap();
                return Ok(());
            }
            if items.contains(&666) {
                return Err(StoreError::Conflict("refused by the test".into()));
            }
            Ok(())
        };
        std::thread::scope(|s| {
            let first = s.spawn(|| group.submit(&[0], write));
            while !group.lock().committing {
                std::thread::sleep(Duration::from_millis(1));
            }
            let a = s.spawn(|| group.submit(&[1], write));
            wait_for_queued(&group, 1);
            let b = s.spawn(|| group.submit(&[666], write));
            wait_for_queued(&group, 2);
            release.send(()).unwrap();
            assert!(first.join().unwrap().is_ok(), "the earlier batch committed");
            for r in [a.join().unwrap(), b.join().unwrap()] {
                match r {
                    Err(StoreError::Shared(e)) => {
                        assert!(matches!(*e, StoreError::Conflict(_)), "{e}")
                    }
                    other => panic!("both callers of the failed batch fail: {other:?}"),
                }
            }
        });
        assert_eq!(group.transactions(), 2);
        // A caller alone in its batch gets the error itself.
        assert!(matches!(
            group.submit(&[666], write),
            Err(StoreError::Conflict(_))
        ));
        assert!(group.submit(&[2], write).is_ok(), "the group keeps working");
        assert!(
            group.lock().outcomes.is_empty(),
            "every outcome was collected"
        );
    }

    #[test]
    fn a_panicking_writer_fails_its_followers_instead_of_stranding_them() {
        let group = GroupCommit::<u32>::new();
        let (release, gate) = mpsc::channel::<()>();
        let gate = Mutex::new(gate);
        std::thread::scope(|s| {
            let first = s.spawn(|| {
                group.submit(&[0], |_| {
                    gate.lock().unwrap().recv().unwrap();
                    Ok(())
                })
            });
            while !group.lock().committing {
                std::thread::sleep(Duration::from_millis(1));
            }
            // Whichever of the two leads the next batch panics in its writer.
            let a = s.spawn(|| group.submit(&[1], |_| panic!("writer bug")));
            wait_for_queued(&group, 1);
            let b = s.spawn(|| group.submit(&[2], |_| panic!("writer bug")));
            wait_for_queued(&group, 2);
            release.send(()).unwrap();
            first.join().unwrap().unwrap();
            let results = [a.join(), b.join()];
            assert_eq!(results.iter().filter(|r| r.is_err()).count(), 1);
            let failed = results.into_iter().find_map(Result::ok).unwrap();
            match failed {
                Err(StoreError::Shared(e)) => assert!(matches!(*e, StoreError::CommitAbandoned)),
                other => panic!("the follower of a panicked commit fails: {other:?}"),
            }
        });
        assert!(group.submit(&[3], |_| Ok(())).is_ok());
    }

    #[test]
    fn many_threads_all_succeed_with_fewer_transactions_than_calls() {
        let group = GroupCommit::<(usize, usize)>::new();
        let written = Mutex::new(Vec::new());
        let threads = 16;
        let per_thread = 20;
        let start = Barrier::new(threads);
        std::thread::scope(|s| {
            for t in 0..threads {
                let (group, written, start) = (&group, &written, &start);
                s.spawn(move || {
                    start.wait();
                    for i in 0..per_thread {
                        group
                            .submit(&[(t, i)], |items| {
                                // Stands in for the fsync that makes batching pay.
                                std::thread::sleep(Duration::from_millis(1));
                                written.lock().unwrap().extend_from_slice(items);
                                Ok(())
                            })
                            .unwrap();
                    }
                });
            }
        });
        let mut written = written.into_inner().unwrap();
        assert_eq!(written.len(), threads * per_thread);
        // Each thread's items are in its own order...
        for t in 0..threads {
            let mine: Vec<usize> = written.iter().filter(|x| x.0 == t).map(|x| x.1).collect();
            assert_eq!(mine, (0..per_thread).collect::<Vec<_>>());
        }
        // ...and each is written exactly once.
        written.sort();
        written.dedup();
        assert_eq!(written.len(), threads * per_thread);
        assert!(
            group.transactions() < (threads * per_thread) as u64,
            "{} transactions for {} calls",
            group.transactions(),
            threads * per_thread
        );
    }
}
