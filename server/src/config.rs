use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

/// Server configuration, read once at start-up from environment variables
/// (or the matching command-line flags). Defaults run a local development
/// server; see the README for the full table.
#[derive(Clone, Parser)]
#[command(name = "server", about = "The Conduit web server", version)]
pub struct Config {
    /// PostgreSQL connection URL. Contains a password: never printed.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: String,

    /// Most connections the pool opens to PostgreSQL.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 20)]
    pub database_max_connections: u32,

    /// Seconds to wait for a free connection before failing a request with 503.
    #[arg(long, env = "DATABASE_ACQUIRE_TIMEOUT_SECS", default_value_t = 5)]
    pub database_acquire_timeout_secs: u64,

    /// `production` refuses to start without `JWT_SECRET`.
    #[arg(long, env = "APP_ENV", value_enum, default_value_t = AppEnv::Development)]
    pub app_env: AppEnv,

    /// Secret that signs session tokens (at least 32 characters). In
    /// development a random one is generated once and kept in `DATA_DIR`.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Hours a session token stays valid.
    #[arg(long, env = "JWT_TTL_HOURS", default_value_t = 24 * 14)]
    pub jwt_ttl_hours: u64,

    /// Where development state (the generated JWT secret) is kept.
    #[arg(long, env = "DATA_DIR", default_value = ".data")]
    pub data_dir: PathBuf,

    /// Origins allowed to call the REST API from a browser, comma-separated, or `*`.
    #[arg(
        long,
        env = "CORS_ALLOWED_ORIGINS",
        value_delimiter = ',',
        default_value = "*"
    )]
    pub cors_allowed_origins: Vec<String>,

    /// Origin of the hashed `/pkg` assets when they are served from a CDN
    /// (`scripts/push-assets.sh` uploads them), e.g. `https://assets.example.com`.
    /// Empty: this server serves them.
    #[arg(long, env = "ASSET_BASE_URL", default_value = "")]
    pub asset_base_url: String,

    /// Seconds a shared cache (the CDN) may serve an anonymous page or API read.
    #[arg(long, env = "CACHE_S_MAXAGE_SECS", default_value_t = 10)]
    pub cache_s_maxage_secs: u64,

    /// Seconds a shared cache may keep serving a stale answer while it refetches.
    #[arg(long, env = "CACHE_STALE_WHILE_REVALIDATE_SECS", default_value_t = 60)]
    pub cache_stale_while_revalidate_secs: u64,

    /// Keep hot reads and anonymous pages in memory (`false` to compare without).
    #[arg(long, env = "CACHE_ENABLED", default_value_t = true, action = clap::ArgAction::Set)]
    pub cache_enabled: bool,

    /// Memory budget of the in-process cache, in MiB (by the size of the entries).
    #[arg(long, env = "CACHE_MAX_MIB", default_value_t = 128)]
    pub cache_max_mib: u64,

    /// Seconds a cache entry lives at most; writes invalidate it sooner.
    #[arg(long, env = "CACHE_TTL_SECS", default_value_t = 300)]
    pub cache_ttl_secs: u64,

    /// Seconds an unread cache entry is kept.
    #[arg(long, env = "CACHE_TTI_SECS", default_value_t = 120)]
    pub cache_tti_secs: u64,

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

impl Config {
    pub fn acquire_timeout(&self) -> Duration {
        Duration::from_secs(self.database_acquire_timeout_secs)
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }

    pub fn http_settings(&self) -> crate::startup::HttpSettings {
        crate::startup::HttpSettings {
            cors_allowed_origins: self.cors_allowed_origins.clone(),
            cache: crate::http_cache::Policy {
                s_maxage_secs: self.cache_s_maxage_secs,
                stale_while_revalidate_secs: self.cache_stale_while_revalidate_secs,
            },
        }
    }

    pub fn cache_settings(&self) -> app::server::cache::CacheSettings {
        app::server::cache::CacheSettings {
            enabled: self.cache_enabled,
            max_bytes: self.cache_max_mib.saturating_mul(1 << 20),
            time_to_live: Duration::from_secs(self.cache_ttl_secs),
            time_to_idle: Duration::from_secs(self.cache_tti_secs),
        }
    }

    pub fn token_ttl(&self) -> Duration {
        Duration::from_secs(self.jwt_ttl_hours.saturating_mul(3600))
    }

    /// The token-signing secret: configured, or in development generated once
    /// and kept in `DATA_DIR/jwt-secret` so sessions survive restarts.
    pub fn resolve_jwt_secret(&self) -> Result<String, String> {
        if let Some(secret) = &self.jwt_secret {
            return if secret.len() >= MIN_SECRET_LEN {
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
            Ok(secret) if secret.trim().len() >= MIN_SECRET_LEN => Ok(secret.trim().to_owned()),
            _ => {
                let secret = app::server::auth::Auth::generate_secret();
                write_private(&path, &secret)
                    .map_err(|e| format!("cannot keep a JWT secret in {}: {e}", path.display()))?;
                tracing::info!(path = %path.display(), "generated a development JWT secret");
                Ok(secret)
            }
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

/// Written by hand so that the database password can never reach a log.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &"<redacted>")
            .field("app_env", &self.app_env)
            .field(
                "jwt_secret",
                &self.jwt_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("jwt_ttl_hours", &self.jwt_ttl_hours)
            .field("data_dir", &self.data_dir)
            .field("cors_allowed_origins", &self.cors_allowed_origins)
            .field("asset_base_url", &self.asset_base_url)
            .field("cache_s_maxage_secs", &self.cache_s_maxage_secs)
            .field(
                "cache_stale_while_revalidate_secs",
                &self.cache_stale_while_revalidate_secs,
            )
            .field("cache_enabled", &self.cache_enabled)
            .field("cache_max_mib", &self.cache_max_mib)
            .field("cache_ttl_secs", &self.cache_ttl_secs)
            .field("cache_tti_secs", &self.cache_tti_secs)
            .field("seed_demo_data", &self.seed_demo_data)
            .field("database_max_connections", &self.database_max_connections)
            .field(
                "database_acquire_timeout_secs",
                &self.database_acquire_timeout_secs,
            )
            .field("log_format", &self.log_format)
            .field("shutdown_grace_secs", &self.shutdown_grace_secs)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_contains_the_database_password() {
        let config = Config::parse_from(["server", "--database-url", "postgres://u:hunter2@db/x"]);
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn production_refuses_to_start_without_a_jwt_secret() {
        let config = Config::parse_from([
            "server",
            "--database-url",
            "postgres://localhost/x",
            "--app-env",
            "production",
        ]);
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
        ]);
        let first = config.resolve_jwt_secret().unwrap();
        assert_eq!(config.resolve_jwt_secret().unwrap(), first);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn defaults_suit_local_development() {
        let config = Config::parse_from(["server", "--database-url", "postgres://localhost/x"]);
        assert_eq!(config.database_max_connections, 20);
        assert_eq!(config.log_format, LogFormat::Pretty);
        assert_eq!(config.shutdown_grace(), Duration::from_secs(20));
    }
}
