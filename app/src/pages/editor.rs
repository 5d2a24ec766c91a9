use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_params_map;

use crate::components::ErrorMessages;
use crate::data::{busy, get_article, typed, Form};
use crate::layouts::FormPage;
use crate::models::{split_tags, Article};
use crate::providers::page_error;
use crate::providers::{Visitor, Writes};
use crate::rpc::articles::SaveArticle;
use crate::urls;

/// `/editor` (new) and `/editor/:slug` (edit). Signed-in users only.
#[component]
pub fn EditorPage() -> impl IntoView {
    let visitor = Visitor::get();
    let params = use_params_map();
    let slug = move || params.get().get("slug");
    let existing = Resource::new(slug, |slug| async move {
        match slug {
            Some(slug) => get_article(slug).await.map(|view| Some(view.article)),
            None => Ok(None),
        }
    });
    view! {
        <FormPage class="editor-page" title="Editor" column="col-md-10 offset-md-1 col-xs-12">
            <Transition fallback=|| ()>
                {move || {
                    let user = visitor.known()?;
                    let existing = existing.get()?;
                    Some(match (user, existing) {
                        (Some(user), Ok(article)) => {
                            let own = article.as_ref().is_none_or(|a| a.author.username == user.username);
                            if own {
                                view! { <EditorForm article/> }.into_any()
                            } else {
                                view! { <p class="error">"Only the author can edit this article."</p> }.into_any()
                            }
                        }
                        (None, _) => view! { <Redirect path=urls::LOGIN/> }.into_any(),
                        (_, Err(error)) => {
                            view! { <p class="error">{error.to_string()}</p> }.into_any()
                        }
                    })
                }}
            </Transition>
        </FormPage>
    }
}

/// The article form.
#[component]
fn EditorForm(article: Option<Article>) -> impl IntoView {
    let action = Writes::get().save_article;
    let error = page_error();
    let draft = Draft::typed()
        .or_else(|| article.map(Draft::from))
        .unwrap_or_default();
    view! {
        <ErrorMessages error/>
        <Form action>
            <input type="hidden" name="slug" value=draft.slug/>
            <fieldset>
                <fieldset class="form-group">
                    <input type="text" class="form-control form-control-lg" name="title" placeholder="Article Title" value=draft.title/>
                </fieldset>
                <fieldset class="form-group">
                    <input type="text" class="form-control" name="description" placeholder="What's this article about?" value=draft.description/>
                </fieldset>
                <fieldset class="form-group">
                    <textarea class="form-control" rows="8" name="body" placeholder="Write your article (in markdown)">{draft.body}</textarea>
                </fieldset>
                <fieldset class="form-group">
                    <TagInput tags=draft.tags/>
                </fieldset>
                <button class="btn btn-lg pull-xs-right btn-primary" type="submit" disabled=move || busy(action)>"Publish Article"</button>
            </fieldset>
        </Form>
    }
}

/// The tag field and its pills, and the form field (`tags`) that carries
/// them. Enter adds a pill instead of submitting; without JavaScript, what
/// is typed there is sent as tags (`tag_input`). In the server-rendered
/// build this is the editor's island: the only part of the form that needs
/// the WASM bundle.
#[cfg_attr(feature = "csr", component)]
#[cfg_attr(not(feature = "csr"), island)]
fn TagInput(tags: Vec<String>) -> impl IntoView {
    // The server renders the field's value (an edit posted before the
    // bundle loads keeps its tags); once hydrated, the pills keep it current.
    let sent = tags.join(",");
    let tags = RwSignal::new(tags);
    let typed = RwSignal::new(String::new());
    let add_typed_tag = move |event: KeyboardEvent| {
        if event.key() != "Enter" {
            return;
        }
        event.prevent_default();
        let tag = typed.get_untracked().trim().to_owned();
        if !tag.is_empty() {
            tags.update(|tags| {
                if !tags.contains(&tag) {
                    tags.push(tag);
                }
            });
        }
        typed.set(String::new());
    };
    view! {
        <input type="hidden" name="tags" value=sent prop:value=move || tags.get().join(",")/>
        <input
            type="text"
            class="form-control"
            name="tag_input"
            placeholder="Enter tags"
            prop:value=move || typed.get()
            on:input=move |ev| typed.set(event_target_value(&ev))
            on:keydown=add_typed_tag
        />
        <div class="tag-list">
            <For each=move || tags.get() key=|tag| tag.clone() let:tag>
                <span class="tag-default tag-pill">
                    <i
                        class="ion-close-round"
                        on:click={
                            let tag = tag.clone();
                            move |_| tags.update(|tags| tags.retain(|t| *t != tag))
                        }
                    ></i>
                    {tag.clone()}
                </span>
            </For>
        </div>
    }
}

/// What the form starts with: empty for a new article.
#[derive(Default)]
struct Draft {
    slug: String,
    title: String,
    description: String,
    body: String,
    tags: Vec<String>,
}

impl Draft {
    /// What was typed, when the page answers the form's failed post.
    fn typed() -> Option<Self> {
        let field = |name| typed::<SaveArticle>(name);
        let title = field("title")?;
        Some(Self {
            slug: field("slug").unwrap_or_default(),
            title,
            description: field("description").unwrap_or_default(),
            body: field("body").unwrap_or_default(),
            tags: split_tags(
                &field("tags").unwrap_or_default(),
                &field("tag_input").unwrap_or_default(),
            ),
        })
    }
}

impl From<Article> for Draft {
    fn from(article: Article) -> Self {
        Self {
            slug: article.slug,
            title: article.title,
            description: article.description,
            body: article.body.unwrap_or_default(),
            tags: article.tag_list,
        }
    }
}
