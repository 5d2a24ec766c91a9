//! Receives the invalidations other instances send through `NOTIFY`, and
//! watches the database's health while doing so.

use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::PgPool;

use super::{Cache, CHANNEL};
use crate::backend::db::Database;

const FIRST_RETRY: Duration = Duration::from_millis(100);
/// Short, so that an instance is back within a few seconds of the database.
const LAST_RETRY: Duration = Duration::from_secs(1);
/// How long a reconnection may take before the database counts as down.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Listens on [`CHANNEL`], connecting from `listen_from` (a direct
/// session: [`crate::backend::db::listener_pool`]), until that pool is
/// closed or the task is aborted at shutdown. Reconnects with backoff (done
/// here rather than inside `PgListener` so that it is noticed).
///
/// When the connection drops, cached entries keep answering (a database
/// outage must not become a cache outage); the database's health turns
/// down if it cannot be reached again at once. Notifications sent while the
/// connection was down are lost, so the cache is flushed once, when it is back.
///
/// With a replica, each write heard of raises what replicas must have
/// replayed (`db.freshness`) before the cache forgets what it made stale.
pub async fn run(cache: Cache, listen_from: PgPool, db: Database) {
    let health = db.health().clone();
    let mut may_have_missed = false;
    let mut retry = FIRST_RETRY;
    while !listen_from.is_closed() {
        let mut listener = match subscribe(&listen_from).await {
            Ok(listener) => listener,
            Err(error) => {
                health.set(false);
                may_have_missed = true;
                tracing::warn!(%error, ?retry, "cache listener cannot connect; retrying");
                tokio::time::sleep(retry).await;
                retry = (retry * 2).min(LAST_RETRY);
                continue;
            }
        };
        health.set(true);
        if may_have_missed {
            db.learn_position(&mut listener).await;
            cache.flush();
            tracing::warn!("cache listener reconnected; flushed the cache (invalidations may have been missed)");
        } else {
            tracing::info!(channel = CHANNEL, "cache listener subscribed");
        }
        retry = FIRST_RETRY;
        let error = loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => {
                    let mut heard = vec![notification];
                    heard.extend(std::iter::from_fn(|| listener.next_buffered()));
                    db.learn_position(&mut listener).await;
                    for notification in heard {
                        cache.receive(notification.payload()).await;
                    }
                }
                Ok(None) => break None,
                Err(error) => break Some(error),
            }
        };
        drop(listener);
        if listen_from.is_closed() {
            break;
        }
        // Flushed once the listener is back, not now: until then, cached
        // entries keep answering.
        may_have_missed = true;
        tracing::warn!(error = ?error.map(|e| e.to_string()), "cache listener lost its connection; reconnecting");
    }
}

async fn subscribe(db: &PgPool) -> sqlx::Result<PgListener> {
    let connect = async {
        let mut listener = PgListener::connect_with(db).await?;
        listener.listen(CHANNEL).await?;
        Ok(listener)
    };
    tokio::time::timeout(CONNECT_TIMEOUT, connect)
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)?
}
