use sqlx::PgPool;

use crate::support::{Conduit, TestApp};

#[sqlx::test(migrations = "../migrations")]
async fn the_demo_data_fills_an_empty_database_once(db: PgPool) {
    let app = TestApp::new(db);
    assert!(server::seed::demo_data(app.state()).await.unwrap());
    let articles = app.get("/api/articles", None).await;
    assert_eq!(articles.body["articlesCount"], 6);
    assert_eq!(app.get("/api/profiles/johndoe", None).await.status, 200);

    assert!(!server::seed::demo_data(app.state()).await.unwrap());
    assert_eq!(
        app.get("/api/articles", None).await.body["articlesCount"],
        6
    );
}
