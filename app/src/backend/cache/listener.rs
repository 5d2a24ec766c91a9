//! Receives the invalidations other instances send through `NOTIFY`.

use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::PgPool;

use super::{Cache, CHANNEL};

const FIRST_RETRY: Duration = Duration::from_millis(100);
const LAST_RETRY: Duration = Duration::from_secs(5);

/// Listens on [`CHANNEL`] until the pool is closed, reconnecting with
/// backoff (reconnection is done here rather than inside `PgListener` so that
/// it is noticed). Notifications sent while the connection was down are lost, so
/// the cache is flushed when it drops and again once it is back.
pub async fn run(cache: Cache, db: PgPool) {
    let mut may_have_missed = false;
    let mut retry = FIRST_RETRY;
    while !db.is_closed() {
        let mut listener = match subscribe(&db).await {
            Ok(listener) => listener,
            Err(error) => {
                // Reads may be cached meanwhile with nobody listening: flush once connected.
                may_have_missed = true;
                tracing::warn!(%error, ?retry, "cache listener cannot connect; retrying");
                tokio::time::sleep(retry).await;
                retry = (retry * 2).min(LAST_RETRY);
                continue;
            }
        };
        if may_have_missed {
            cache.flush();
            tracing::warn!("cache listener reconnected; flushed the cache (invalidations may have been missed)");
        } else {
            tracing::info!(channel = CHANNEL, "cache listener subscribed");
        }
        retry = FIRST_RETRY;
        let error = loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => cache.receive(notification.payload()).await,
                Ok(None) => break None,
                Err(error) => break Some(error),
            }
        };
        drop(listener);
        if db.is_closed() {
            break;
        }
        cache.flush();
        tracing::warn!(error = ?error.map(|e| e.to_string()), "cache listener lost its connection; flushed the cache");
        may_have_missed = true;
    }
}

async fn subscribe(db: &PgPool) -> sqlx::Result<PgListener> {
    let mut listener = PgListener::connect_with(db).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}
