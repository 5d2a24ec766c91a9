//! Statements through a real PgBouncer in transaction mode (Debian's 1.18,
//! which keeps no track of prepared statements): a server connection is
//! lent per transaction, so each statement must fit in one, unnamed.

use std::fs;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use app::backend::db::{schema, Database, Endpoints, PoolSettings, Pooler};
use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;

use crate::support::{database_url, free_port, wait_for_port, ScratchDir};

/// PgBouncer on its own port in front of the test's database; stopped when dropped.
struct Bouncer {
    child: Child,
    url: String,
    _dir: ScratchDir,
}

impl Bouncer {
    /// Two server connections for every client: clients share them, and a
    /// statement that spans two transactions would meet another's session.
    fn start(direct: &str) -> Self {
        let options: PgConnectOptions = direct.parse().unwrap();
        let user = options.get_username().to_owned();
        let password = url_password(direct);
        let database = options.get_database().unwrap().to_owned();
        let dir = ScratchDir::new("pgbouncer");
        let port = free_port();
        let ini = dir.path().join("pgbouncer.ini");
        let log = dir.path().join("pgbouncer.log");
        fs::write(
            &ini,
            format!(
                "[databases]\n{database} = host={} port={} dbname={database}\n\
                 [pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n\
                 auth_type = scram-sha-256\nauth_file = {}\npool_mode = transaction\n\
                 default_pool_size = 2\nmax_client_conn = 100\nserver_reset_query =\n\
                 ignore_startup_parameters = extra_float_digits\n\
                 logfile = {}\n",
                options.get_host(),
                options.get_port(),
                dir.path().join("userlist.txt").display(),
                log.display(),
            ),
        )
        .unwrap();
        fs::write(
            dir.path().join("userlist.txt"),
            format!("\"{user}\" \"{password}\"\n"),
        )
        .unwrap();
        // PgBouncer refuses to run as root.
        let mut command = if is_root() {
            let _ = Command::new("chown")
                .args(["-R", "postgres"])
                .arg(dir.path())
                .status();
            // setpriv executes PgBouncer itself (runuser would stay its
            // parent), so that killing the child stops PgBouncer.
            let mut command = Command::new("setpriv");
            command.args([
                "--reuid=postgres",
                "--regid=postgres",
                "--clear-groups",
                "pgbouncer",
            ]);
            command
        } else {
            Command::new("pgbouncer")
        };
        let child = command
            .arg(&ini)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pgbouncer runs (`make test` installs it: Debian package pgbouncer)");
        wait_for_port(
            format!("127.0.0.1:{port}").parse().unwrap(),
            "pgbouncer",
            &log,
        );
        Self {
            child,
            url: format!("postgres://{user}:{password}@127.0.0.1:{port}/{database}"),
            _dir: dir,
        }
    }
}

impl Drop for Bouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.starts_with(b"0\n"))
}

/// The password of a `postgres://user:password@host/...` URL.
fn url_password(url: &str) -> String {
    let credentials = url.split("://").nth(1).unwrap().split('@').next().unwrap();
    credentials.split_once(':').unwrap().1.to_owned()
}

#[sqlx::test(migrations = false)]
async fn statements_and_transactions_work_through_pgbouncer_in_transaction_mode(db: PgPool) {
    let direct = database_url(&db, "conduit-pooler").await;
    let bouncer = Bouncer::start(direct.split('?').next().unwrap());
    let endpoints = Endpoints {
        writer: bouncer.url.parse().unwrap(),
        replica: None,
        direct: direct.parse().unwrap(),
        pooler: Pooler::Transaction,
    };
    let settings = PoolSettings {
        max_connections: 8,
        acquire_timeout: Duration::from_secs(5),
        statement_timeout: Duration::from_millis(4_000),
        idle_in_transaction_timeout: Duration::from_millis(8_000),
        slow_statement: Duration::from_secs(1),
    };
    let database = Database::open(&endpoints, &settings);
    schema::prepare(&database, &endpoints.direct, &settings).await;

    // Eight clients on two server connections: every statement meets a
    // server connection other clients used just before.
    let mut clients = Vec::new();
    for client in 0..8i32 {
        let database = database.clone();
        clients.push(tokio::spawn(async move {
            for round in 0..40i32 {
                let sum: i32 = sqlx::query_scalar("select $1::int + $2::int")
                    .bind(client)
                    .bind(round)
                    .fetch_one(database.writer().unwrap())
                    .await?;
                assert_eq!(sum, client + round);
                let text: String = sqlx::query_scalar("select repeat($1, 2)")
                    .bind(format!("c{client}"))
                    .fetch_one(database.writer().unwrap())
                    .await?;
                assert_eq!(text, format!("c{client}c{client}"));
                let mut tx = database.writer().unwrap().begin().await?;
                let first: i64 = sqlx::query_scalar("select txid_current()")
                    .fetch_one(&mut tx)
                    .await?;
                let second: i64 = sqlx::query_scalar("select txid_current()")
                    .fetch_one(&mut tx)
                    .await?;
                assert_eq!(first, second, "one transaction, one server connection");
                tx.commit().await?;
            }
            Ok::<_, sqlx::Error>(())
        }));
    }
    for client in clients {
        client.await.unwrap().expect("no statement failed");
    }
    // The timeouts are the role's, so the pooler's sessions have them.
    let timeout: String = sqlx::query_scalar("show statement_timeout")
        .fetch_one(database.writer().unwrap())
        .await
        .unwrap();
    assert_eq!(timeout, "4s");
    // And no statement was left prepared on the server connections.
    let prepared: i64 = sqlx::query_scalar("select count(*) from pg_prepared_statements")
        .fetch_one(database.writer().unwrap())
        .await
        .unwrap();
    assert_eq!(prepared, 0);
}
