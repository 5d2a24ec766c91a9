//! Receives the invalidations other instances send through `NOTIFY`, and
//! watches the database's health while doing so.

use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::{Executor, PgPool};

use super::{Cache, CHANNEL};
use crate::backend::db::{listener_pool, unanswered, Database};

const FIRST_RETRY: Duration = Duration::from_millis(100);
/// Short, so that an instance is back within a few seconds of the database.
const LAST_RETRY: Duration = Duration::from_secs(1);
/// How long a reconnection may take before the database counts as down.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// A subscription that has heard nothing for this long is asked to answer.
/// A `LISTEN` session waits in silence, so a database host gone without
/// closing its connections (a failover, a network partition) would never
/// show on it: no error comes, and no notification ever again.
const QUIET: Duration = Duration::from_secs(5);
/// How long it has to answer before it counts as lost.
const ANSWER_WITHIN: Duration = Duration::from_secs(2);

/// Listens on [`CHANNEL`], connecting as `listen_from` does (a direct
/// session: [`crate::backend::db::listener_pool`]), until that pool is
/// closed or the task is aborted at shutdown. Reconnects with backoff (done
/// here rather than inside `PgListener` so that it is noticed), and when
/// the connection stops answering ([`QUIET`], [`ANSWER_WITHIN`]).
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
        // A pool of its own for each subscription: sqlx gives a dropped
        // listener's connection back to its pool after an `UNLISTEN` and a
        // ping, with no time limit, which for a silent connection is never.
        // It keeps the one place of a pool nothing uses again.
        let session = listener_pool((*listen_from.connect_options()).clone());
        let mut listener = match subscribe(&session).await {
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
            // Unanswered, reads stay on the writer; the session's next
            // quiet spell tells whether it is lost.
            let _ = db.learn_position(&mut listener).await;
            cache.flush();
            tracing::warn!("cache listener reconnected; flushed the cache (invalidations may have been missed)");
        } else {
            tracing::info!(channel = CHANNEL, "cache listener subscribed");
        }
        retry = FIRST_RETRY;
        let mut closing = listen_from.close_event();
        let error = loop {
            let next = match closing
                .do_until(tokio::time::timeout(QUIET, listener.try_recv()))
                .await
            {
                Ok(Ok(next)) => next,
                Ok(Err(_quiet)) => match answers(&mut listener).await {
                    Ok(()) => continue,
                    Err(error) => Err(error),
                },
                Err(closed) => Err(closed),
            };
            match next {
                Ok(Some(notification)) => {
                    let mut heard = vec![notification];
                    heard.extend(std::iter::from_fn(|| listener.next_buffered()));
                    let learned = db.learn_position(&mut listener).await;
                    for notification in heard {
                        cache.receive(notification.payload()).await;
                    }
                    // A session that takes notifications but leaves a
                    // question unanswered is lost as surely as a silent one.
                    if let Err(error) = learned {
                        break Some(error);
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

/// Whether the subscription's connection still answers, within [`ANSWER_WITHIN`].
async fn answers(listener: &mut PgListener) -> sqlx::Result<()> {
    match tokio::time::timeout(ANSWER_WITHIN, Executor::execute(&mut *listener, "select 1")).await {
        Ok(answer) => answer.map(drop),
        Err(_) => Err(unanswered(ANSWER_WITHIN)),
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
