use leptos::prelude::*;
use leptos_meta::Title;

/// The frame of the form pages (sign in, sign up, settings, editor): the
/// page class, a centred column and the document title.
#[component]
pub fn FormPage(
    /// `auth-page`, `settings-page`, `editor-page`: what the page is.
    class: &'static str,
    title: &'static str,
    /// Column classes; the editor is wider than the account forms.
    #[prop(default = "col-md-6 offset-md-3 col-xs-12")]
    column: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <Title text=title/>
        <div class=class>
            <div class="container page">
                <div class="row">
                    <div class=column>{children()}</div>
                </div>
            </div>
        </div>
    }
}
