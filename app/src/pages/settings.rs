use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::components::ErrorMessages;
use crate::data::{busy, typed, Form};
use crate::layouts::FormPage;
use crate::models::SessionUser;
use crate::providers::page_error;
use crate::providers::Visitor;
use crate::rpc::users::UpdateSettings;
use crate::urls;

/// `/settings`: the signed-in user's account, and the way out.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let visitor = Visitor::get();
    let error = page_error();
    view! {
        <FormPage class="settings-page" title="Settings">
            <h1 class="text-xs-center">"Your Settings"</h1>
            <ErrorMessages error/>
            <Transition fallback=|| ()>
                {move || visitor.known().map(|user| match user {
                    Some(user) => view! { <SettingsForm user visitor/> }.into_any(),
                    None => view! { <Redirect path=urls::LOGIN/> }.into_any(),
                })}
            </Transition>
        </FormPage>
    }
}

/// The account fields, filled in (as typed, when the page answers their
/// failed post), and the sign-out button.
#[component]
fn SettingsForm(user: SessionUser, visitor: Visitor) -> impl IntoView {
    let field = |name: &str, stored: Option<String>| {
        typed::<UpdateSettings>(name).or(stored).unwrap_or_default()
    };
    let image = field("image", user.image);
    let username = field("username", Some(user.username));
    let bio = field("bio", user.bio);
    let email = field("email", Some(user.email));
    view! {
        <Form action=visitor.update_settings>
            <fieldset>
                <fieldset class="form-group">
                    <input class="form-control" type="text" name="image" placeholder="URL of profile picture" value=image/>
                </fieldset>
                <fieldset class="form-group">
                    <input class="form-control form-control-lg" type="text" name="username" placeholder="Your Name" value=username/>
                </fieldset>
                <fieldset class="form-group">
                    <textarea class="form-control form-control-lg" rows="8" name="bio" placeholder="Short bio about you">{bio}</textarea>
                </fieldset>
                <fieldset class="form-group">
                    <input class="form-control form-control-lg" type="email" name="email" placeholder="Email" value=email/>
                </fieldset>
                <fieldset class="form-group">
                    <input class="form-control form-control-lg" type="password" name="password" placeholder="New Password" autocomplete="new-password"/>
                </fieldset>
                <button type="submit" class="btn btn-lg btn-primary pull-xs-right" disabled=move || busy(visitor.update_settings)>"Update Settings"</button>
            </fieldset>
        </Form>
        <hr/>
        <Form action=visitor.logout>
            <button type="submit" class="btn btn-outline-danger">"Or click here to logout."</button>
        </Form>
        <Form action=visitor.sign_out_everywhere attr:class="sign-out-everywhere">
            <button type="submit" class="btn btn-sm btn-outline-secondary">"Sign out on every device"</button>
        </Form>
    }
}
