//! A small demo data set for a newcomer's first `make run`: a few users
//! (`johndoe` among them), articles with tags, comments, follows and
//! favorites. Written through the same services as real traffic.
//!
//! Runs only in development, only when enabled, and only on a database
//! without users, so it never touches real data and runs once.

use app::backend::identity::{self, SignedIn};
use app::backend::tokens::UserId;
use app::backend::{articles, comments, profiles, users};
use app::error::AppError;
use app::models::{NewArticle, NewComment, RegisterUser, UpdateUser};
use app::web::AppState;

/// Password of every demo account (local development only).
pub const DEMO_PASSWORD: &str = "password123";

struct DemoUser {
    name: &'static str,
    bio: &'static str,
}

const USERS: &[DemoUser] = &[
    DemoUser {
        name: "johndoe",
        bio: "Writes about Rust on the web.",
    },
    DemoUser {
        name: "janedoe",
        bio: "Databases, queues and other plumbing.",
    },
    DemoUser {
        name: "alexsmith",
        bio: "Front-end, accessibility, and good coffee.",
    },
];

/// (author index, title, description, body, tags)
const ARTICLES: &[(usize, &str, &str, &str, &[&str])] = &[
    (0, "Welcome to Conduit", "What this place is for", "Conduit is a place to **share your knowledge**.\n\nSign up, follow authors you like, and write your own articles in markdown.", &["welcome", "conduit"]),
    (0, "Server-side rendering with Leptos", "One codebase, two targets", "The same Rust code renders HTML on the server and hydrates the interactive parts, the islands, in the browser.\n\n```rust\nleptos::mount::hydrate_islands();\n```", &["rust", "leptos", "webdev"]),
    (1, "Indexes that serve every list", "No sequential scans at ten million rows", "Each list query has an index shaped for its filter and its order.\n\n- global: `(created_at desc, id desc)`\n- by tag: `(tag_id, article_created_at desc)`", &["postgres", "performance"]),
    (1, "Counting without count(*)", "Keeping totals cheap", "Triggers keep the totals exact in the same transaction as the change.", &["postgres"]),
    (2, "Forms that work before JavaScript", "Progressive enhancement in practice", "Every form here is a plain HTML post, and the server answers with the page that comes next.", &["webdev", "accessibility"]),
    (2, "A tour of the editor", "Tags, markdown and drafts", "Type a tag and press **Enter** to add it. Markdown is rendered and sanitised on the server.", &["conduit", "markdown"]),
];

pub async fn demo_data(state: &AppState) -> Result<bool, AppError> {
    let has_users: bool = sqlx::query_scalar("select exists(select 1 from users)")
        .fetch_one(state.db()?)
        .await?;
    if has_users {
        return Ok(false);
    }
    let mut ids = Vec::new();
    for user in USERS {
        ids.push(register(state, user).await?);
    }
    let mut slugs = Vec::new();
    for (author, title, description, body, tags) in ARTICLES {
        let input = NewArticle {
            title: Some((*title).to_owned()),
            description: Some((*description).to_owned()),
            body: Some((*body).to_owned()),
            tag_list: Some(tags.iter().map(|t| (*t).to_owned()).collect()),
        };
        slugs.push(articles::create(state, ids[*author], input).await?.slug);
    }
    profiles::follow(state, ids[0], USERS[1].name).await?;
    profiles::follow(state, ids[2], USERS[0].name).await?;
    articles::favorite(state, ids[1], &slugs[1]).await?;
    articles::favorite(state, ids[2], &slugs[1]).await?;
    articles::favorite(state, ids[0], &slugs[2]).await?;
    let comment = |text: &str| {
        Ok(NewComment {
            body: Some(text.to_owned()),
        })
    };
    comments::add(state, ids[1], &slugs[1], comment("Great overview, thanks!")).await?;
    comments::add(
        state,
        ids[2],
        &slugs[1],
        comment("Does it work without JavaScript?"),
    )
    .await?;
    comments::add(
        state,
        ids[0],
        &slugs[1],
        comment("It does: try it with scripts off."),
    )
    .await?;
    Ok(true)
}

async fn register(state: &AppState, user: &DemoUser) -> Result<UserId, AppError> {
    let registered = users::register(
        state,
        RegisterUser {
            username: Some(user.name.to_owned()),
            email: Some(format!("{}@example.com", user.name)),
            password: Some(DEMO_PASSWORD.to_owned()),
        },
    )
    .await?;
    let caller: SignedIn = identity::signed_in(state, registered.token).await?;
    let bio = UpdateUser {
        bio: Some(Some(user.bio.to_owned())),
        ..UpdateUser::default()
    };
    let id = caller.user;
    users::update(state, caller, bio).await?;
    Ok(id)
}
