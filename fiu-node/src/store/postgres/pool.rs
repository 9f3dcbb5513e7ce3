//! Connections of the PostgreSQL store: a small pool of `tokio-postgres` clients whose
//! connection tasks run on the store's own runtime, and a blocking executor for the client
//! calls.
//!
//! The [`Store`](crate::store::Store) trait is synchronous. The blocking `postgres` crate
//! would fit it, but it runs each call with `Runtime::block_on`, which panics on a thread of
//! the node's async runtime; a store must not panic because one caller forgot
//! `spawn_blocking`. Here the socket I/O runs on one background thread of a runtime the store
//! owns, and a call only waits, on its own thread, for the answer to arrive over the client's
//! channel: that works from any thread, inside an async runtime or not.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

use tokio::runtime::Runtime;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls};

use crate::store::{StoreError, StoreResult};

/// A PostgreSQL failure, told without the values of the rows involved: the server's
/// SQLSTATE and message, never its `DETAIL` (which quotes key values and whole failing
/// rows, i.e. personal data).
pub struct PostgresError(Box<ErrorText>);

/// What a [`PostgresError`] holds (boxed: errors are rare, and small `Result`s are cheap).
struct ErrorText {
    code: Option<SqlState>,
    text: String,
}

impl PostgresError {
    /// The SQLSTATE of an error the server reported (`None` for a connection failure).
    pub fn code(&self) -> Option<&SqlState> {
        self.0.code.as_ref()
    }

    /// An error of this store's own making (no server involved).
    pub(super) fn other(text: impl Into<String>) -> PostgresError {
        PostgresError(Box::new(ErrorText {
            code: None,
            text: text.into(),
        }))
    }
}

impl From<tokio_postgres::Error> for PostgresError {
    fn from(e: tokio_postgres::Error) -> PostgresError {
        match e.as_db_error() {
            Some(db) => PostgresError(Box::new(ErrorText {
                code: Some(db.code().clone()),
                text: format!("{} ({})", db.message(), db.code().code()),
            })),
            // Connection, protocol and type-conversion errors name no row values.
            None => PostgresError(Box::new(ErrorText {
                code: e.code().cloned(),
                text: e.to_string(),
            })),
        }
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> StoreError {
        StoreError::Postgres(e.into())
    }
}

impl std::fmt::Display for PostgresError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.text)
    }
}

impl std::fmt::Debug for PostgresError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PostgresError({:?})", self.0.text)
    }
}

impl std::error::Error for PostgresError {}

/// Whether `e` is a unique or primary-key violation.
pub(super) fn is_unique_violation(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

/// Wakes the thread that waits in [`block_on`].
struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to completion on this thread. Only for futures that need no runtime of
/// their own: a `tokio-postgres` client call, whose I/O happens in the connection task on the
/// store's runtime.
pub(super) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        // A spurious wake-up only polls again.
        std::thread::park();
    }
}

/// Up to `size` connections, opened on first need and again after one broke.
pub(super) struct Pool {
    runtime: Option<Runtime>,
    config: tokio_postgres::Config,
    slots: Vec<Mutex<Option<Client>>>,
    next: AtomicUsize,
}

/// A connection taken from the pool; returned when dropped.
pub(super) struct Conn<'a>(MutexGuard<'a, Option<Client>>);

impl std::ops::Deref for Conn<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        // `Pool::get` only hands out a slot that holds a client.
        self.0.as_ref().expect("a pooled connection holds a client")
    }
}

impl std::ops::DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.0.as_mut().expect("a pooled connection holds a client")
    }
}

impl Pool {
    /// A pool of at most `size` connections (at least one) described by `config`.
    pub(super) fn new(config: tokio_postgres::Config, size: usize) -> StoreResult<Pool> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("fiu-postgres")
            .enable_all()
            .build()
            .map_err(|e| {
                StoreError::Postgres(PostgresError::other(format!(
                    "cannot start the PostgreSQL client runtime: {e}"
                )))
            })?;
        Ok(Pool {
            runtime: Some(runtime),
            config,
            slots: (0..size.max(1)).map(|_| Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
        })
    }

    /// A free connection (or waits for one), connected.
    pub(super) fn get(&self) -> StoreResult<Conn<'_>> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.slots.len();
        let mut taken = None;
        for i in 0..n {
            match self.slots[(start + i) % n].try_lock() {
                Ok(guard) => {
                    taken = Some(guard);
                    break;
                }
                Err(TryLockError::Poisoned(p)) => {
                    taken = Some(p.into_inner());
                    break;
                }
                Err(TryLockError::WouldBlock) => {}
            }
        }
        // A poisoned slot's client is sound: the panic dropped its open transaction, which
        // sent the rollback.
        let mut guard = match taken {
            Some(g) => g,
            None => self.slots[start % n]
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        };
        if guard.as_ref().is_none_or(Client::is_closed) {
            *guard = None;
            *guard = Some(self.connect()?);
        }
        Ok(Conn(guard))
    }

    /// Opens a connection; its I/O task runs on the store's runtime.
    fn connect(&self) -> StoreResult<Client> {
        let runtime = self
            .runtime
            .as_ref()
            .ok_or_else(|| StoreError::Postgres(PostgresError::other("the store is closed")))?;
        let config = self.config.clone();
        let handle = runtime.spawn(async move {
            let (client, connection) = config.connect(NoTls).await?;
            // Ends when the client is dropped or the server goes away; the client then
            // reports `is_closed` and the next `get` reconnects.
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    tracing::warn!(error = %PostgresError::from(e), "PostgreSQL connection lost");
                }
            });
            Ok::<_, tokio_postgres::Error>(client)
        });
        match block_on(handle) {
            Ok(client) => Ok(client?),
            Err(e) => Err(StoreError::Postgres(PostgresError::other(format!(
                "connecting to PostgreSQL failed: {e}"
            )))),
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Closing the clients ends their connection tasks; the runtime then stops without
        // waiting, which is allowed on any thread (a blocking shutdown inside the node's async
        // runtime would panic).
        self.slots.clear();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
