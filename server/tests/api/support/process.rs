//! Real server processes (the `server` binary) and an HTTP client, for tests
//! that need more than one instance or a proxy in front.

use std::fs;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::http::Method;
use sqlx::PgPool;

use super::{body_value, Conduit, Reply};

/// A scratch directory removed when dropped.
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    pub fn new(label: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "conduit-{label}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        // A previous run with the same process id may have left it behind.
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A free port on 127.0.0.1 (bound and released; the caller binds it next).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something accepts connections on `addr`.
pub fn wait_for_port(addr: SocketAddr, what: &str, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(addr).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not start on {addr}; its log:\n{}",
            fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The URL of the test's own database: `DATABASE_URL` with its database name.
pub async fn database_url(db: &PgPool, application_name: &str) -> String {
    let name: String = sqlx::query_scalar("select current_database()")
        .fetch_one(db)
        .await
        .unwrap();
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL is set by `make test`");
    let base = base.split('?').next().unwrap();
    let server = &base[..base.rfind('/').unwrap()];
    format!("{server}/{name}?application_name={application_name}")
}

/// A `server` process on its own port; killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub addr: SocketAddr,
    /// The metrics listener's.
    pub metrics_addr: SocketAddr,
    log: PathBuf,
    _site: ScratchDir,
}

pub const JWT_SECRET: &str = "process-tests-secret-0123456789abcdef";

impl ServerProcess {
    /// Starts the binary against `database_url` with the given extra
    /// environment, and waits until it is ready (it has migrated).
    pub fn start(database_url: &str, env: &[(&str, &str)]) -> Self {
        let server = Self::starting(database_url, env);
        let deadline = Instant::now() + Duration::from_secs(30);
        while server.probe("/readyz") != Some(200) {
            assert!(
                Instant::now() < deadline,
                "the server did not become ready; its log:\n{}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// Starts the binary as [`ServerProcess::start`] does, and waits only
    /// until it listens: it may still be waiting for its database.
    pub fn starting(database_url: &str, env: &[(&str, &str)]) -> Self {
        let site = ScratchDir::new("site");
        let log = site.path().join("server.log");
        let port = free_port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let metrics_addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let metrics = metrics_addr.to_string();
        let env = [&[("METRICS_ADDR", metrics.as_str())], env].concat();
        let child = command(database_url, &site, addr, &env)
            .stdout(Stdio::from(fs::File::create(&log).unwrap()))
            .stderr(Stdio::from(
                fs::OpenOptions::new().append(true).open(&log).unwrap(),
            ))
            .spawn()
            .expect("the server binary starts");
        let mut server = Self {
            child,
            addr,
            metrics_addr,
            log,
            _site: site,
        };
        server.wait_until_listening();
        server
    }

    /// Waits until this process says it listens on its address: something
    /// else that took the port in the meantime is not taken for it.
    fn wait_until_listening(&mut self) {
        let listening = format!("listening on http://{}", self.addr);
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.log().contains(&listening) {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the server exited ({status}); its log:\n{}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "the server did not start on {}; its log:\n{}",
                self.addr,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        wait_for_port(self.addr, "the server", &self.log);
    }

    /// Runs the binary as [`ServerProcess::start`] would, for a configuration
    /// it must refuse: asserts that it exits unsuccessfully and returns what
    /// it printed on stderr.
    pub fn refused(database_url: &str, env: &[(&str, &str)]) -> String {
        let site = ScratchDir::new("site");
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let mut child = command(database_url, &site, addr, env)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server binary starts");
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("the server did not refuse to start");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(
            !status.success(),
            "the server exited successfully: {stderr}"
        );
        stderr
    }

    /// The status of `GET path`, asked without an HTTP client (from
    /// synchronous code); `None` when nothing answers.
    pub fn probe(&self, path: &str) -> Option<u16> {
        use std::io::{Read, Write};
        let mut stream =
            std::net::TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .ok()?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).ok()?;
        std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The OpenMetrics text of its metrics listener.
    pub async fn metrics(&self) -> String {
        let url = format!("http://{}/metrics", self.metrics_addr);
        let reply = client().get(url).send().await.unwrap();
        assert_eq!(reply.status(), 200);
        reply.text().await.unwrap()
    }

    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The binary against `database_url`, listening on `addr`, with the given
/// extra environment. Its site root holds one stylesheet under `/pkg`.
fn command(
    database_url: &str,
    site: &ScratchDir,
    addr: SocketAddr,
    env: &[(&str, &str)],
) -> Command {
    fs::create_dir_all(site.path().join("pkg")).unwrap();
    fs::write(
        site.path().join("pkg/conduit.css"),
        "body { color: #333; }\n",
    )
    .unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("APP_ENV", "development")
        .env("DATABASE_URL", database_url)
        .env("JWT_SECRET", JWT_SECRET)
        .env("SEED_DEMO_DATA", "false")
        .env("DATA_DIR", site.path())
        .env("LEPTOS_OUTPUT_NAME", "conduit")
        .env("LEPTOS_SITE_ROOT", site.path())
        .env("LEPTOS_SITE_PKG_DIR", "pkg")
        .env("LEPTOS_SITE_ADDR", addr.to_string())
        .env("METRICS_ADDR", "127.0.0.1:0")
        // Development has no rate limits unless they are set: every test
        // process's clients share 127.0.0.1, and limits are tested on their own.
        .env("RUST_LOG", "info,sqlx=warn,tower_http=warn")
        .envs(env.iter().copied());
    command
}

/// A client that never follows redirects or keeps cookies on its own.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// A server process reached over HTTP, for the shared requests of [`Conduit`].
pub struct Remote {
    client: reqwest::Client,
    base: String,
}

impl Remote {
    pub fn new(server: &ServerProcess) -> Self {
        Self::at(&server.url(""))
    }

    /// Anything that speaks HTTP at `base` (an origin), such as a proxy.
    pub fn at(base: &str) -> Self {
        Self {
            client: client(),
            base: base.to_owned(),
        }
    }
}

impl Conduit for Remote {
    async fn send_raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
    ) -> Reply {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.header("Authorization", format!("Token {token}"));
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        Reply {
            status,
            headers,
            body: body_value(&bytes),
        }
    }
}

/// Polls `probe` until it returns true or `limit` passes; how long it took.
pub async fn time_until<F, Fut>(limit: Duration, mut probe: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() <= limit {
        if probe().await {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}
