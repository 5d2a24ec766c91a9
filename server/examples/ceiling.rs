//! The benchmark's ceiling (`make bench`): the least an axum server can do
//! per request, answering every GET with the same bytes from memory. The
//! server's figures are stated as ratios to this one's, measured in the same
//! run on the same machine.
//!
//!   cargo run --release -p server --example ceiling -- ADDR FILE

use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::Router;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(addr), Some(file)) = (args.next(), args.next()) else {
        eprintln!("usage: ceiling ADDR FILE");
        std::process::exit(2);
    };
    let body = Bytes::from(std::fs::read(&file)?);
    let app = Router::new().fallback(move || {
        let body = body.clone();
        async move { ([(CONTENT_TYPE, "text/html; charset=utf-8")], body) }
    });
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await
}
