//! Configuration, read once at start-up from environment variables (or the
//! matching command-line flags), in groups by the layer that uses them.
//! Every default is written here, once; the README's table is written from
//! these definitions ([`table`]).

use std::path::PathBuf;
use std::time::Duration;

use app::backend::{cache, db, limits};
use clap::{Args, Parser, ValueEnum};
use secrecy::{ExposeSecret, SecretString};

/// The README's table of these settings.
pub mod table;

/// The whole configuration. `Debug` shows no secret: they are [`SecretString`]s.
#[derive(Clone, Debug, Parser)]
#[command(
    name = "server",
    about = "The Conduit web server",
    version,
    after_help = "`server healthcheck` exits 0 when the instance at LEPTOS_SITE_ADDR is alive (GET /healthz)."
)]
pub struct Config {
    #[command(flatten)]
    pub database: DatabaseConfig,
    #[command(flatten)]
    pub auth: AuthConfig,
    #[command(flatten)]
    pub http: HttpConfig,
    #[command(flatten)]
    pub cache: CacheConfig,
    #[command(flatten)]
    pub limits: LimitsConfig,

    /// Unset means `production`: it refuses to start without `JWT_SECRET`,
    /// never seeds demo data and marks cookies `Secure`. `make run` and the
    /// tests ask for `development` explicitly.
    #[arg(long, env = "APP_ENV", value_enum, default_value_t = AppEnv::Production)]
    pub app_env: AppEnv,

    /// Where development state (the generated JWT secret) is kept.
    #[arg(long, env = "DATA_DIR", default_value = ".data")]
    pub data_dir: PathBuf,

    /// Seed a demo data set into an empty database (development only).
    #[arg(long, env = "SEED_DEMO_DATA", default_value_t = true, action = clap::ArgAction::Set)]
    pub seed_demo_data: bool,

    /// Log format: `pretty` for people, `json` for log pipelines.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,

    /// Seconds that in-flight requests get to finish after SIGTERM.
    #[arg(long, env = "SHUTDOWN_GRACE_SECS", default_value_t = 20)]
    pub shutdown_grace_secs: u64,
}

#[derive(Clone, Debug, Args)]
pub struct DatabaseConfig {
    /// PostgreSQL connection URL. Contains a password: never printed.
    #[arg(long = "database-url", env = "DATABASE_URL", hide_env_values = true, value_parser = secret)]
    pub url: SecretString,

    /// A direct PostgreSQL URL (a session of its own, never through a
    /// transaction pooler) for the cache listener's `LISTEN` and the
    /// migrations' lock. Required with `DATABASE_POOLER=transaction`.
    /// Unset: `DATABASE_URL`.
    #[arg(long = "database-listen-url", env = "DATABASE_LISTEN_URL", hide_env_values = true, value_parser = secret)]
    pub listen_url: Option<SecretString>,

    /// A read replica's URL (or a reader endpoint's) for reads that may lag
    /// a little: lists, articles, profiles, comments. Each read checks that
    /// the replica has replayed every write this instance knows of, and
    /// goes to the writer when not. Unset: every read goes to the writer.
    #[arg(long = "database-read-url", env = "DATABASE_READ_URL", hide_env_values = true, value_parser = secret)]
    pub read_url: Option<SecretString>,

    /// What `DATABASE_URL` and `DATABASE_READ_URL` go through: `none`
    /// (PostgreSQL, or a session pooler) or `transaction` (PgBouncer in
    /// transaction mode, RDS Proxy): each statement in a transaction of its
    /// own, unnamed, and the timeouts as the role's settings.
    #[arg(long = "database-pooler", env = "DATABASE_POOLER", value_enum, default_value_t = Pooler::None)]
    pub pooler: Pooler,

    /// Milliseconds a replica may lag the writer before it leaves rotation
    /// (it comes back when it is under again).
    #[arg(
        long = "database-read-max-lag-ms",
        env = "DATABASE_READ_MAX_LAG_MS",
        default_value_t = 5_000
    )]
    pub read_max_lag_ms: u64,

    /// Most connections the pool opens to PostgreSQL.
    #[arg(
        long = "database-max-connections",
        env = "DATABASE_MAX_CONNECTIONS",
        default_value_t = 20
    )]
    pub max_connections: u32,

    /// Seconds to wait for a free connection before failing a request with 503.
    #[arg(
        long = "database-acquire-timeout-secs",
        env = "DATABASE_ACQUIRE_TIMEOUT_SECS",
        default_value_t = 5
    )]
    pub acquire_timeout_secs: u64,

    /// Milliseconds a statement may run before PostgreSQL cancels it (503).
    #[arg(
        long = "database-statement-timeout-ms",
        env = "DATABASE_STATEMENT_TIMEOUT_MS",
        default_value_t = 5_000
    )]
    pub statement_timeout_ms: u64,

    /// Milliseconds a transaction may sit idle before PostgreSQL ends it.
    #[arg(
        long = "database-idle-in-transaction-timeout-ms",
        env = "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub idle_in_transaction_timeout_ms: u64,

    /// Milliseconds past which a statement is logged as slow (a warning
    /// with its text and duration), once per execution.
    #[arg(
        long = "database-slow-statement-ms",
        env = "DATABASE_SLOW_STATEMENT_MS",
        default_value_t = 250
    )]
    pub slow_statement_ms: u64,
}

#[derive(Clone, Debug, Args)]
pub struct AuthConfig {
    /// Secret that signs session tokens (at least 32 characters). In
    /// development a random one is generated once and kept in `DATA_DIR`.
    #[arg(long = "jwt-secret", env = "JWT_SECRET", hide_env_values = true, value_parser = secret)]
    pub jwt_secret: Option<SecretString>,

    /// Hours a session token stays valid.
    #[arg(long = "jwt-ttl-hours", env = "JWT_TTL_HOURS", default_value_t = 24 * 14)]
    pub jwt_ttl_hours: u64,

    /// Milliseconds a sign-in or sign-up waits for a turn to hash its password
    /// before it is answered 503 (at most one hash per core but one runs at once).
    #[arg(
        long = "password-hash-wait-ms",
        env = "PASSWORD_HASH_WAIT_MS",
        default_value_t = 2_000
    )]
    pub password_hash_wait_ms: u64,
}

/// How the HTTP surface treats other origins and shared caches.
#[derive(Clone, Debug, Args)]
pub struct HttpConfig {
    /// Origins allowed to call the REST API from a browser (the SPA's),
    /// comma-separated. `*` (any) is for development only. Unset: `*` in
    /// development, none in production.
    #[arg(
        long = "cors-allowed-origins",
        env = "CORS_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_allowed_origins: Option<Vec<String>>,

    /// Origin of the hashed `/pkg` assets when they are served from a CDN
    /// (`scripts/push-assets.sh` uploads them), e.g. `https://assets.example.com`.
    /// Empty: this server serves them.
    #[arg(long = "asset-base-url", env = "ASSET_BASE_URL", default_value = "")]
    pub asset_base_url: String,

    /// Seconds a shared cache (the CDN) may serve an anonymous page or API read.
    #[arg(
        long = "cache-s-maxage-secs",
        env = "CACHE_S_MAXAGE_SECS",
        default_value_t = 10
    )]
    pub s_maxage_secs: u64,

    /// Seconds a shared cache may keep serving a stale answer while it refetches.
    #[arg(
        long = "cache-stale-while-revalidate-secs",
        env = "CACHE_STALE_WHILE_REVALIDATE_SECS",
        default_value_t = 60
    )]
    pub stale_while_revalidate_secs: u64,

    /// The site's origin as browsers see it (`https://conduit.example`): form
    /// posts must come from it. Unset, a post's `Origin` is compared with the
    /// request's own host, which is wrong behind a CDN that rewrites `Host`.
    #[arg(long = "public-origin", env = "PUBLIC_ORIGIN")]
    pub public_origin: Option<String>,

    /// Share of page views whose timings (Web Vitals) the page sends to
    /// `POST /api/vitals`, from 0 to 1.
    #[arg(
        long = "vitals-sample-rate",
        env = "VITALS_SAMPLE_RATE",
        default_value_t = 0.1,
        value_parser = share
    )]
    pub vitals_sample_rate: f64,

    /// Seconds a client has to send a request's headers from its first byte,
    /// and a new connection its first request (slow clients hold a
    /// connection and its memory).
    #[arg(
        long = "header-read-timeout-secs",
        env = "HEADER_READ_TIMEOUT_SECS",
        default_value_t = 10
    )]
    pub header_read_timeout_secs: u64,

    /// Seconds a connection with no request in flight stays open (HTTP/1
    /// keep-alive and HTTP/2). Longer than the load balancer's idle timeout
    /// (60 s on an ALB), so that the balancer closes the connections it
    /// reuses, never the server under it.
    #[arg(
        long = "keep-alive-timeout-secs",
        env = "KEEP_ALIVE_TIMEOUT_SECS",
        default_value_t = 75
    )]
    pub keep_alive_timeout_secs: u64,

    /// Connections open at once; past this, new ones wait in the kernel's
    /// backlog until one closes. Keep it under the process's file limit.
    #[arg(
        long = "max-connections",
        env = "MAX_CONNECTIONS",
        default_value_t = 4096
    )]
    pub max_client_connections: usize,

    /// Seconds a request may take in all before it is answered 503.
    #[arg(
        long = "request-timeout-secs",
        env = "REQUEST_TIMEOUT_SECS",
        default_value_t = 15
    )]
    pub request_timeout_secs: u64,

    /// Requests handled at once; more are answered 503 with `Retry-After` at
    /// once (probes are exempt).
    #[arg(long = "max-in-flight", env = "MAX_IN_FLIGHT", default_value_t = 200)]
    pub max_in_flight: usize,

    /// Proxies (CIDRs, comma-separated) whose `X-Forwarded-For` is believed,
    /// e.g. the load balancer's subnets. Empty: the peer is the client.
    #[arg(
        long = "trusted-proxies",
        env = "TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// A header a trusted proxy sets to the client's address (e.g.
    /// `CloudFront-Viewer-Address`), preferred over `X-Forwarded-For`.
    #[arg(long = "client-ip-header", env = "CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,

    /// Where `/metrics` is served, apart from the public listener.
    #[arg(
        long = "metrics-addr",
        env = "METRICS_ADDR",
        default_value = "127.0.0.1:9100"
    )]
    pub metrics_addr: std::net::SocketAddr,
}

/// The in-process cache.
#[derive(Clone, Debug, Args)]
pub struct CacheConfig {
    /// Keep hot reads and anonymous pages in memory (`false` to compare without).
    #[arg(long = "cache-enabled", env = "CACHE_ENABLED", default_value_t = true, action = clap::ArgAction::Set)]
    pub enabled: bool,

    /// Memory budget of the in-process cache, in MiB (by the size of the entries).
    #[arg(long = "cache-max-mib", env = "CACHE_MAX_MIB", default_value_t = 128)]
    pub max_mib: u64,

    /// Seconds a cache entry lives at most; writes invalidate it sooner.
    #[arg(long = "cache-ttl-secs", env = "CACHE_TTL_SECS", default_value_t = 300)]
    pub ttl_secs: u64,

    /// Seconds an unread cache entry is kept.
    #[arg(long = "cache-tti-secs", env = "CACHE_TTI_SECS", default_value_t = 120)]
    pub tti_secs: u64,

    /// Seconds past its time to live an entry may still answer while the
    /// database is unavailable (stale-if-error), here and at the CDN.
    #[arg(
        long = "cache-stale-if-error-secs",
        env = "CACHE_STALE_IF_ERROR_SECS",
        default_value_t = 3_600
    )]
    pub stale_if_error_secs: u64,
}

/// Rate limits, per minute, with a burst of the same size; `0` turns a
/// limit off. Unset, a limit takes its production value (below), or none
/// with `APP_ENV=development`: a developer's own machine runs the API
/// suites and tools as fast as they go. Per address the limits are loose,
/// since one address may be a NAT in front of many people; per account
/// they are tight, since an account is one person.
#[derive(Clone, Debug, Args)]
pub struct LimitsConfig {
    /// Sign-in attempts a minute per client address (production: 60;
    /// development: no limit).
    #[arg(
        long = "rate-limit-sign-in-per-address",
        env = "RATE_LIMIT_SIGN_IN_PER_ADDRESS"
    )]
    pub sign_in_per_address: Option<u32>,

    /// Sign-in attempts a minute per account, whatever the address:
    /// password guessing (production: 10; development: no limit).
    #[arg(
        long = "rate-limit-sign-in-per-account",
        env = "RATE_LIMIT_SIGN_IN_PER_ACCOUNT"
    )]
    pub sign_in_per_account: Option<u32>,

    /// Sign-ups a minute per client address (production: 20; development:
    /// no limit).
    #[arg(
        long = "rate-limit-sign-up-per-address",
        env = "RATE_LIMIT_SIGN_UP_PER_ADDRESS"
    )]
    pub sign_up_per_address: Option<u32>,

    /// Writes a minute per client address (production: 600; development:
    /// no limit).
    #[arg(
        long = "rate-limit-writes-per-address",
        env = "RATE_LIMIT_WRITES_PER_ADDRESS"
    )]
    pub writes_per_address: Option<u32>,

    /// Writes a minute per account, whatever the address (production: 60;
    /// development: no limit).
    #[arg(
        long = "rate-limit-writes-per-account",
        env = "RATE_LIMIT_WRITES_PER_ACCOUNT"
    )]
    pub writes_per_account: Option<u32>,

    /// Page timing beacons (`POST /api/vitals`) a minute per client
    /// address, apart from its writes (production: 600; development: no
    /// limit).
    #[arg(
        long = "rate-limit-beacons-per-address",
        env = "RATE_LIMIT_BEACONS_PER_ADDRESS"
    )]
    pub beacons_per_address: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AppEnv {
    Development,
    Production,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// A share, from 0 to 1.
fn share(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(share),
        _ => Err(format!("{value} is not a number from 0 to 1")),
    }
}

fn secret(value: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(SecretString::from(value))
}

impl Config {
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }

    /// The token-signing secret: configured, or in development generated once
    /// and kept in `DATA_DIR/jwt-secret` so sessions survive restarts.
    pub fn resolve_jwt_secret(&self) -> Result<SecretString, String> {
        if let Some(secret) = &self.auth.jwt_secret {
            return if secret.expose_secret().len() >= MIN_SECRET_LEN {
                Ok(secret.clone())
            } else {
                Err(format!(
                    "JWT_SECRET must be at least {MIN_SECRET_LEN} characters"
                ))
            };
        }
        if self.app_env == AppEnv::Production {
            return Err("JWT_SECRET must be set when APP_ENV=production".to_owned());
        }
        let path = self.data_dir.join("jwt-secret");
        match std::fs::read_to_string(&path) {
            Ok(secret) if secret.trim().len() >= MIN_SECRET_LEN => Ok(secret.trim().into()),
            _ => {
                let secret = app::backend::tokens::random_hex(32);
                write_private(&path, &secret)
                    .map_err(|e| format!("cannot keep a JWT secret in {}: {e}", path.display()))?;
                tracing::info!(path = %path.display(), "generated a development JWT secret");
                Ok(secret.into())
            }
        }
    }
}

/// What sits between the server and PostgreSQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Pooler {
    None,
    Transaction,
}

impl From<Pooler> for db::Pooler {
    fn from(pooler: Pooler) -> Self {
        match pooler {
            Pooler::None => db::Pooler::None,
            Pooler::Transaction => db::Pooler::Transaction,
        }
    }
}

impl DatabaseConfig {
    /// The URLs, parsed; an error names the setting that is wrong.
    pub fn endpoints(&self) -> Result<db::Endpoints, String> {
        let parse = |name: &str, url: &SecretString| {
            url.expose_secret()
                .parse::<sqlx::postgres::PgConnectOptions>()
                .map_err(|error| format!("invalid {name}: {error}"))
        };
        let writer = parse("DATABASE_URL", &self.url)?;
        let direct = match (&self.listen_url, self.pooler) {
            (Some(url), _) => parse("DATABASE_LISTEN_URL", url)?,
            (None, Pooler::None) => writer.clone(),
            (None, Pooler::Transaction) => {
                return Err("DATABASE_POOLER=transaction needs DATABASE_LISTEN_URL: \
                            LISTEN and the migrations' lock need a session of their own"
                    .to_owned())
            }
        };
        let replica = match &self.read_url {
            Some(url) => Some(parse("DATABASE_READ_URL", url)?),
            None => None,
        };
        Ok(db::Endpoints {
            writer,
            replica,
            direct,
            pooler: self.pooler.into(),
        })
    }

    pub fn read_max_lag(&self) -> Duration {
        Duration::from_millis(self.read_max_lag_ms)
    }

    pub fn pool_settings(&self) -> db::PoolSettings {
        db::PoolSettings {
            max_connections: self.max_connections,
            acquire_timeout: Duration::from_secs(self.acquire_timeout_secs),
            statement_timeout: Duration::from_millis(self.statement_timeout_ms),
            idle_in_transaction_timeout: Duration::from_millis(self.idle_in_transaction_timeout_ms),
            slow_statement: Duration::from_millis(self.slow_statement_ms),
        }
    }
}

impl AuthConfig {
    pub fn token_ttl(&self) -> Duration {
        Duration::from_secs(self.jwt_ttl_hours.saturating_mul(3600))
    }

    pub fn password_hash_wait(&self) -> Duration {
        Duration::from_millis(self.password_hash_wait_ms)
    }
}

impl HttpConfig {
    /// The origins allowed to call the API from a browser, for `env`.
    pub fn cors_origins(&self, env: AppEnv) -> Result<Vec<String>, String> {
        let origins: Vec<String> = match &self.cors_allowed_origins {
            Some(origins) => origins
                .iter()
                .map(|o| o.trim().trim_end_matches('/').to_owned())
                .filter(|o| !o.is_empty())
                .collect(),
            None if env == AppEnv::Development => vec!["*".to_owned()],
            None => Vec::new(),
        };
        if env == AppEnv::Production && origins.iter().any(|o| o == "*") {
            return Err(
                "CORS_ALLOWED_ORIGINS=* is for development: list the SPA's origins".to_owned(),
            );
        }
        Ok(origins)
    }

    pub fn connection_limits(&self) -> crate::serve::ConnectionLimits {
        crate::serve::ConnectionLimits {
            header_read_timeout: Duration::from_secs(self.header_read_timeout_secs),
            keep_alive_timeout: Duration::from_secs(self.keep_alive_timeout_secs),
            max_connections: self.max_client_connections,
        }
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }
}

impl LimitsConfig {
    /// The limits in force in `env`: each as set, else its default there.
    pub fn settings(&self, env: AppEnv) -> limits::RateSettings {
        let or_default = |set: Option<u32>, production: u32| {
            set.unwrap_or(match env {
                AppEnv::Production => production,
                AppEnv::Development => 0,
            })
        };
        limits::RateSettings {
            sign_in_per_address: or_default(self.sign_in_per_address, 60),
            sign_in_per_account: or_default(self.sign_in_per_account, 10),
            sign_up_per_address: or_default(self.sign_up_per_address, 20),
            writes_per_address: or_default(self.writes_per_address, 600),
            writes_per_account: or_default(self.writes_per_account, 60),
            beacons_per_address: or_default(self.beacons_per_address, 600),
        }
    }
}

impl CacheConfig {
    pub fn settings(&self) -> cache::Settings {
        cache::Settings {
            enabled: self.enabled,
            max_bytes: self.max_mib.saturating_mul(1 << 20),
            time_to_live: Duration::from_secs(self.ttl_secs),
            time_to_idle: Duration::from_secs(self.tti_secs),
            stale_for: Duration::from_secs(self.stale_if_error_secs),
        }
    }
}

const MIN_SECRET_LEN: usize = 32;

/// Writes a file only its owner can read.
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use clap::FromArgMatches;

    use super::*;

    /// A settings group with every value at its default (or as the environment
    /// sets it): what tests and tools use where no full configuration is parsed.
    fn defaults<T: Args + FromArgMatches>() -> T {
        let matches =
            T::augment_args(clap::Command::new("defaults")).get_matches_from(["defaults"]);
        T::from_arg_matches(&matches).expect("every setting of the group has a default")
    }

    #[test]
    fn debug_output_never_contains_a_secret() {
        let config = Config::parse_from([
            "server",
            "--database-url",
            "postgres://u:hunter2@db/x",
            "--jwt-secret",
            "correct-horse-battery-staple-0123456789",
        ]);
        let printed = format!("{config:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(!printed.contains("correct-horse"), "{printed}");
    }

    #[test]
    fn production_is_the_default_and_refuses_to_start_without_a_jwt_secret() {
        let config = Config::parse_from(["server", "--database-url", "postgres://localhost/x"]);
        assert_eq!(config.app_env, AppEnv::Production);
        assert!(config.resolve_jwt_secret().is_err());
    }

    #[test]
    fn development_keeps_its_generated_secret() {
        let dir = std::env::temp_dir().join(format!("conduit-config-{}", std::process::id()));
        let data_dir = dir.to_str().unwrap();
        let config = Config::parse_from([
            "server",
            "--database-url",
            "postgres://localhost/x",
            "--data-dir",
            data_dir,
            "--app-env",
            "development",
        ]);
        let first = config.resolve_jwt_secret().unwrap();
        assert_eq!(
            config.resolve_jwt_secret().unwrap().expose_secret(),
            first.expose_secret()
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn any_origin_is_refused_in_production() {
        let config = Config::parse_from([
            "server",
            "--database-url",
            "postgres://localhost/x",
            "--cors-allowed-origins",
            "https://spa.example/,*",
        ]);
        assert!(config.http.cors_origins(AppEnv::Production).is_err());
        assert_eq!(
            config.http.cors_origins(AppEnv::Development).unwrap(),
            ["https://spa.example", "*"]
        );
    }

    #[test]
    fn defaults_suit_one_instance() {
        let config = Config::parse_from(["server", "--database-url", "postgres://localhost/x"]);
        assert_eq!(config.database.max_connections, 20);
        assert_eq!(config.log_format, LogFormat::Pretty);
        assert_eq!(config.shutdown_grace(), Duration::from_secs(20));
    }

    #[test]
    fn rate_limits_hold_in_production_and_let_a_developer_run_the_suites() {
        let limits: LimitsConfig = defaults();
        let production = limits.settings(AppEnv::Production);
        assert_eq!(production.sign_in_per_account, 10);
        assert!(production.sign_in_per_address > production.sign_in_per_account);
        let development = limits.settings(AppEnv::Development);
        assert_eq!(development.sign_in_per_address, 0);
        assert_eq!(development.writes_per_account, 0);
        let config = Config::parse_from([
            "server",
            "--database-url",
            "postgres://localhost/x",
            "--rate-limit-sign-up-per-address",
            "3",
        ]);
        assert_eq!(
            config
                .limits
                .settings(AppEnv::Development)
                .sign_up_per_address,
            3
        );
    }

    #[test]
    fn groups_have_the_same_defaults_alone() {
        let cache: CacheConfig = defaults();
        assert!(cache.enabled);
        assert_eq!(cache.max_mib, 128);
        let http: HttpConfig = defaults();
        assert_eq!(http.cors_origins(AppEnv::Development).unwrap(), ["*"]);
        assert!(http.cors_origins(AppEnv::Production).unwrap().is_empty());
    }
}
