//! The metrics as a monitoring system reads them: a real Prometheus (the
//! Debian package) scraping a real server, the series kept bounded
//! whatever clients request, and the alert rules checked by `promtool`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use serde_json::Value;
use sqlx::PgPool;
use tower::ServiceExt;

use crate::support::{
    client, database_url, free_port, sample, Conduit, ScratchDir, ServerProcess, TestApp,
};

/// docs/observability, where the rules and their cases are.
fn docs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/observability")
}

/// Lines of an OpenMetrics text that are samples, not descriptions.
fn series(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| line.rsplit_once(' ').map_or(line, |(series, _)| series))
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn requests_are_counted_by_route_never_by_path(db: PgPool) {
    // Spans on, as in a server: the statements are named by their callers.
    let _spans = tracing::subscriber::set_default(tracing_subscriber::registry());
    let app = TestApp::new(db);
    app.register("jake").await;
    let kinds = |i: &str| {
        [
            format!("/article/slug-{i}"),
            format!("/api/articles/slug-{i}"),
            format!("/profile/jake{i}"),
            // Unicode look-alikes, and paths no route has.
            format!("/profile/%E2%80%8Bj%D0%B0ke-{i}"),
            format!("/no/such/page-{i}"),
            format!("/api/no-such-{i}"),
            format!("/pkg/conduit-{i}.wasm"),
            format!("/tag/t{i}?page={i}&feed=following"),
        ]
    };
    for path in kinds("warm") {
        app.get(&path, None).await;
    }
    let before = app.metrics().await.body.as_str().unwrap().to_owned();
    for i in 0..125 {
        for path in kinds(&i.to_string()) {
            app.get(&path, None).await;
        }
    }
    let after = app.metrics().await.body.as_str().unwrap().to_owned();
    assert_eq!(
        series(&before),
        series(&after),
        "1,000 requests added series"
    );
    for leaked in ["slug-", "no-such", "page-", "conduit-", "jake"] {
        assert!(!after.contains(leaked), "{leaked} in a label:\n{after}");
    }
    assert!(
        after.contains(r#"code_function_name="articles::get""#),
        "no named statement:\n{after}"
    );
    let article = r#"http_server_request_duration_seconds_count{http_route="/article/{slug}",http_request_method="GET",http_response_status_code="404"}"#;
    assert_eq!(sample(&after, article), Some(126.0), "{after}");
    let unrouted = r#"http_server_request_duration_seconds_count{http_route="",http_request_method="GET",http_response_status_code="404"}"#;
    assert!(sample(&after, unrouted).unwrap() >= 126.0 * 2.0, "{after}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_request_whose_client_went_away_is_counted_as_abandoned(db: PgPool) {
    let app = TestApp::new(db);
    app.get("/api/tags", None).await;
    let request = Request::get("/").body(Body::empty()).unwrap();
    let answer = app.router_for_tests().oneshot(request);
    // Polled once and dropped mid-way, as hyper drops the request of a
    // connection that closed: the page waits for the database first.
    let dropped = tokio::time::timeout(Duration::ZERO, answer).await;
    assert!(dropped.is_err(), "the page was answered at its first poll");
    let text = app.metrics().await.body.as_str().unwrap().to_owned();
    let abandoned =
        r#"conduit_http_server_abandoned_requests_total{http_route="/",http_request_method="GET"}"#;
    assert_eq!(sample(&text, abandoned), Some(1.0), "{text}");
    assert_eq!(sample(&text, "http_server_active_requests"), Some(0.0));
    let answered = r#"http_server_request_duration_seconds_count{http_route="/",http_request_method="GET",http_response_status_code="200"}"#;
    assert_eq!(sample(&text, answered), None, "{text}");
}

#[test]
fn promtool_accepts_the_rules_and_their_cases_pass() {
    for args in [
        ["check", "rules", "alerts.yml"],
        ["test", "rules", "alerts-test.yml"],
    ] {
        let run = Command::new("promtool")
            .args(args)
            .current_dir(docs())
            .output()
            .expect("promtool (Debian's prometheus package) is installed");
        assert!(
            run.status.success(),
            "promtool {args:?}:\n{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
    }
}

/// A Prometheus scraping `target` every second, with the alert rules loaded;
/// killed when dropped.
struct Prometheus {
    child: Child,
    url: String,
    _dir: ScratchDir,
}

impl Prometheus {
    fn start(target: &str) -> Self {
        let dir = ScratchDir::new("prometheus");
        let rules = docs().join("alerts.yml");
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\n\
                 rule_files: ['{}']\n\
                 scrape_configs:\n  - job_name: conduit\n    static_configs:\n      - targets: ['{target}']\n",
                rules.display()
            ),
        )
        .unwrap();
        let addr = format!("127.0.0.1:{}", free_port());
        let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("prometheus (the Debian package) is installed");
        Self {
            child,
            url: format!("http://{addr}"),
            _dir: dir,
        }
    }

    /// Prometheus' answer to `query` now, as its API sends it; the
    /// transport's error if there is none (Prometheus still starting).
    async fn answer(&self, query: &str) -> Result<Value, String> {
        let reply = client()
            .get(format!("{}/api/v1/query", self.url))
            .query(&[("query", query)])
            .send()
            .await
            .map_err(|error| error.to_string())?;
        reply.json().await.map_err(|error| error.to_string())
    }

    /// The vector `query` evaluates to now: each result's labels and value.
    async fn query(&self, query: &str) -> Vec<(Value, f64)> {
        let body = self.answer(query).await.unwrap_or_default();
        body["data"]["result"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|result| {
                let value = result["value"][1].as_str()?.parse().ok()?;
                Some((result["metric"].clone(), value))
            })
            .collect()
    }

    /// Whether Prometheus evaluates `query` without an error (parsing it,
    /// and running it over what it has scraped); the error if not.
    async fn evaluates(&self, query: &str) -> Result<(), String> {
        let body = self.answer(query).await?;
        if body["status"] == "success" {
            Ok(())
        } else {
            Err(body.to_string())
        }
    }

    /// Waits until `query` has a result that `accept` takes, and returns it.
    async fn until(&self, query: &str, accept: impl Fn(f64) -> bool) -> f64 {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some((_, value)) = self
                .query(query)
                .await
                .into_iter()
                .find(|(_, v)| accept(*v))
            {
                return value;
            }
            assert!(
                Instant::now() < deadline,
                "{query}: nothing acceptable within 60 s; last: {:?}",
                self.query(query).await
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_real_prometheus_reads_the_home_pages_rate_and_p99(db: PgPool) {
    let server = ServerProcess::start(&database_url(&db, "conduit-prometheus").await, &[]);
    let http = client();
    let home = server.url("/");
    assert_eq!(http.get(&home).send().await.unwrap().status(), 200);
    let prometheus = Prometheus::start(&server.metrics_addr.to_string());
    // Two scrapes of the server before the burst: the counter's series
    // exists, so the burst shows as its increase.
    prometheus
        .until(r#"count_over_time(up{job="conduit"}[1m])"#, |n| n >= 2.0)
        .await;
    assert_eq!(
        prometheus.until(r#"up{job="conduit"}"#, |_| true).await,
        1.0
    );
    for _ in 0..100 {
        assert_eq!(http.get(&home).send().await.unwrap().status(), 200);
    }
    let count = r#"http_server_request_duration_seconds_count{http_route="/",http_response_status_code="200"}"#;
    assert_eq!(prometheus.until(count, |n| n >= 101.0).await, 101.0);
    let rate = prometheus
        .until(
            r#"sum(rate(http_server_request_duration_seconds_count{http_route="/"}[1m]))"#,
            |rate| rate > 0.0,
        )
        .await;
    assert!(rate.is_finite(), "{rate}");
    let p99 = prometheus
        .until(
            r#"histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{http_route="/"}[1m])))"#,
            f64::is_finite,
        )
        .await;
    assert!(p99 > 0.0 && p99 <= 30.0, "p99 {p99} s");
    // The page's statements, named by the service call they ran for, and
    // the waits for their connections.
    let list = r#"sum(db_client_operation_duration_seconds_count{db_client_connection_pool_name="writer",code_function_name="articles::lists::list",db_query_summary="select articles"})"#;
    assert!(prometheus.until(list, |n| n >= 1.0).await >= 1.0);
    let waits = r#"sum(db_client_connection_wait_time_seconds_count{db_client_connection_pool_name="writer"})"#;
    assert!(prometheus.until(waits, |n| n >= 1.0).await >= 1.0);
    // The rules evaluate against the real series without errors.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let rules: Value = http
            .get(format!("{}/api/v1/rules", prometheus.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let all: Vec<&Value> = rules["data"]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|group| group["rules"].as_array().unwrap())
            .collect();
        assert_eq!(all.len(), 21, "{rules}");
        if all.iter().all(|rule| rule["health"] == "ok") {
            break;
        }
        assert!(
            Instant::now() < deadline && all.iter().all(|rule| rule["health"] != "err"),
            "{rules}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let error_ratio = prometheus
        .until("conduit:http_errors:ratio_rate5m", f64::is_finite)
        .await;
    assert_eq!(error_ratio, 0.0);
    // Every panel of the dashboard is a query Prometheus runs, and the
    // request panels have data.
    let dashboard: Value =
        serde_json::from_str(&std::fs::read_to_string(docs().join("dashboard.json")).unwrap())
            .unwrap();
    let exprs: Vec<&str> = dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|panel| panel["targets"].as_array().unwrap())
        .map(|target| target["expr"].as_str().unwrap())
        .collect();
    assert!(exprs.len() >= 22, "{exprs:?}");
    for expr in &exprs {
        if let Err(error) = prometheus.evaluates(expr).await {
            panic!("the dashboard's {expr}: {error}");
        }
    }
    prometheus
        .until(
            "sum by (http_route) (conduit:http_requests:rate5m)",
            |rate| rate > 0.0,
        )
        .await;
}

/// The page-timing samples the metrics hold (`_count` and `_sum` lines).
fn vitals(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|line| line.starts_with("conduit_web_vitals_") && !line.contains("_bucket"))
        .collect()
}

/// Posts `body` to the beacon endpoint as `sendBeacon` does (a string).
async fn beacon(app: &TestApp, body: impl Into<String>) -> axum::http::StatusCode {
    let request = Request::post("/api/vitals")
        .header("content-type", "text/plain;charset=UTF-8")
        .body(Body::from(body.into()))
        .unwrap();
    app.router_for_tests()
        .oneshot(request)
        .await
        .unwrap()
        .status()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_page_views_timings_land_in_the_histograms_and_bad_beacons_change_nothing(db: PgPool) {
    let app = TestApp::new(db);
    let good = r#"{"build":"islands","page":"article","ttfb":42.5,"lcp":180,"inp":24,"tti":230,"cls":0.02}"#;
    assert_eq!(beacon(&app, good).await, 204);
    let text = app.metrics().await.body.as_str().unwrap().to_owned();
    for vital in ["ttfb", "lcp", "inp", "tti"] {
        let count = format!(
            r#"conduit_web_vitals_duration_seconds_count{{vital="{vital}",build="islands",page="article"}}"#
        );
        assert_eq!(sample(&text, &count), Some(1.0), "{text}");
    }
    let lcp =
        r#"conduit_web_vitals_duration_seconds_sum{vital="lcp",build="islands",page="article"}"#;
    assert_eq!(sample(&text, lcp), Some(0.18));
    let cls = r#"conduit_web_vitals_cls_count{build="islands",page="article"}"#;
    assert_eq!(sample(&text, cls), Some(1.0));
    let before = vitals(&text).join("\n");

    let oversized = format!(
        r#"{{"build":"spa","page":"home","ttfb":1{}}}"#,
        " ".repeat(600)
    );
    for bad in [
        oversized.as_str(),
        "not json",
        r#"{"build":"islands","page":"article"}"#,
        r#"{"build":"islands","page":"/article/my-secret-slug","ttfb":1}"#,
        r#"{"build":"native","page":"home","ttfb":1}"#,
        r#"{"build":"spa","page":"home","ttfb":-5}"#,
        r#"{"build":"spa","page":"home","lcp":1e12}"#,
        r#"{"build":"spa","page":"home","cls":1000}"#,
        r#"{"build":"spa","page":"home","ttfb":1,"email":"jake@example.com"}"#,
        r#"{"build":"spa","page":"home","ttfb":"1"}"#,
    ] {
        assert_eq!(beacon(&app, bad).await, 400, "{bad}");
    }
    let text = app.metrics().await.body.as_str().unwrap().to_owned();
    assert_eq!(
        vitals(&text).join("\n"),
        before,
        "a refused beacon changed the histograms"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn beacons_have_a_rate_limit_of_their_own_that_writes_never_share(db: PgPool) {
    let app = TestApp::configured(
        db,
        &[
            "--rate-limit-beacons-per-address",
            "2",
            "--rate-limit-writes-per-address",
            "1",
        ],
    );
    let token = app.register("jake").await;
    let good = r#"{"build":"spa","page":"home","ttfb":40,"tti":300}"#;
    assert_eq!(beacon(&app, good).await, 204);
    assert_eq!(beacon(&app, good).await, 204);
    assert_eq!(beacon(&app, good).await, 429);
    // The beacons took nothing from the address's writes: its one goes
    // through, and the next is over that limit.
    let article = serde_json::json!({ "article": {
        "title": "Timed", "description": "d", "body": "b", "tagList": [] } });
    let written = app
        .post("/api/articles", Some(&token), article.clone())
        .await;
    assert_eq!(written.status, 201, "{}", written.body);
    let limited = app.post("/api/articles", Some(&token), article).await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    let text = app.metrics().await.body.as_str().unwrap().to_owned();
    let counted =
        r#"conduit_web_vitals_duration_seconds_count{vital="ttfb",build="spa",page="home"}"#;
    assert_eq!(sample(&text, counted), Some(2.0), "{text}");
}
