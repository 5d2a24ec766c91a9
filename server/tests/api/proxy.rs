//! A real caching reverse proxy (Debian's nginx with `proxy_cache`, as a CDN
//! stands in front in production) obeys what the server says it may keep.

use std::fs;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::PgPool;

use crate::support::{
    client, database_url, free_port, time_until, wait_for_port, Conduit, Remote, ScratchDir,
    ServerProcess,
};

const NGINX: &str = "/usr/sbin/nginx";
/// Short, so that the freshness check is quick; production uses 10 s.
const S_MAXAGE_SECS: u64 = 2;

/// nginx in the foreground with its whole state in a scratch directory.
struct Nginx {
    child: Child,
    addr: SocketAddr,
    _dir: ScratchDir,
}

impl Nginx {
    fn start(upstream: SocketAddr) -> Self {
        assert!(
            Path::new(NGINX).exists(),
            "nginx is missing: `make test` installs it (Debian package nginx-light)"
        );
        let dir = ScratchDir::new("nginx");
        // Workers drop to an unprivileged user when started as root.
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let root = dir.path().display();
        let config = format!(
            r#"worker_processes 1;
error_log {root}/error.log warn;
pid {root}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {root}/client;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    proxy_cache_path {root}/cache keys_zone=conduit:1m;
    server {{
        listen {addr};
        location / {{
            proxy_pass http://{upstream};
            proxy_http_version 1.1;
            proxy_cache conduit;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}
}}
"#
        );
        let config_path = dir.path().join("nginx.conf");
        fs::write(&config_path, config).unwrap();
        let log = dir.path().join("error.log");
        let child = Command::new(NGINX)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&config_path)
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::from(fs::File::create(&log).unwrap()))
            .spawn()
            .expect("nginx starts");
        wait_for_port(addr, "nginx", &log);
        Self {
            child,
            addr,
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM, not SIGKILL: the master must live to stop its workers.
        let stopped = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .is_ok_and(|status| status.success());
        if !stopped {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Only a signed-in visitor's navigation bar links to the settings page.
const SIGNED_IN_NAV: &str = r#"href="/settings""#;

struct Seen {
    cache_status: String,
    body: String,
}

async fn fetch(client: &reqwest::Client, url: &str, session: Option<&str>) -> Seen {
    let mut request = client.get(url);
    if let Some(token) = session {
        request = request.header("Cookie", format!("conduit_session={token}"));
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    let cache_status = response
        .headers()
        .get("x-cache-status")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("NONE")
        .to_owned();
    Seen {
        cache_status,
        body: response.text().await.unwrap(),
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_caching_proxy_keeps_what_is_public_and_nothing_personal(db: PgPool) {
    let s_maxage = S_MAXAGE_SECS.to_string();
    let server = ServerProcess::start(
        &database_url(&db, "conduit-proxied").await,
        &[("CACHE_S_MAXAGE_SECS", &s_maxage)],
    );
    let nginx = Nginx::start(server.addr);
    let http = client();
    let origin = Remote::new(&server);
    let token = origin.register("signedin").await;
    let slug = origin
        .publish(&token, "Cached at the edge", &["cache"])
        .await;

    // Anonymous home page and a hashed asset: the second request is a hit.
    for path in ["/", "/pkg/conduit.css"] {
        let first = fetch(&http, &nginx.url(path), None).await;
        let second = fetch(&http, &nginx.url(path), None).await;
        assert_eq!(first.cache_status, "MISS", "{path}");
        assert_eq!(second.cache_status, "HIT", "{path}");
        assert_eq!(first.body, second.body, "{path}");
    }

    // A signed-in page is never stored, and never served to someone else.
    for _ in 0..2 {
        let mine = fetch(&http, &nginx.url("/"), Some(&token)).await;
        assert_ne!(mine.cache_status, "HIT");
        assert!(
            mine.body.contains(SIGNED_IN_NAV),
            "the page is the user's own"
        );
    }
    let anonymous = fetch(&http, &nginx.url("/"), None).await;
    assert_eq!(anonymous.cache_status, "HIT");
    assert!(!anonymous.body.contains(SIGNED_IN_NAV));
    let someone_else = origin.register("someoneelse").await;
    let theirs = fetch(&http, &nginx.url("/"), Some(&someone_else)).await;
    assert_ne!(theirs.cache_status, "HIT");
    assert!(theirs.body.contains(r#"href="/profile/someoneelse""#));

    // After an edit, the cached article page is fresh again within s-maxage.
    let page = nginx.url(&format!("/article/{slug}"));
    let cached_at = Instant::now();
    fetch(&http, &page, None).await;
    assert_eq!(fetch(&http, &page, None).await.cache_status, "HIT");
    let edit = json!({ "article": { "body": "Edited at the origin" } });
    let edited = origin
        .put(&format!("/api/articles/{slug}"), Some(&token), edit)
        .await;
    assert_eq!(edited.status, 200);
    // The stored copy may be served until s-maxage after it was fetched;
    // nginx keeps time in whole seconds, hence one more.
    let deadline = cached_at + Duration::from_secs(S_MAXAGE_SECS + 1);
    let limit = deadline.saturating_duration_since(Instant::now());
    let fresh = time_until(limit, || async {
        fetch(&http, &page, None)
            .await
            .body
            .contains("Edited at the origin")
    })
    .await;
    assert!(
        fresh.is_some(),
        "the proxy served the old page for more than s-maxage ({S_MAXAGE_SECS} s)"
    );
}
