use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::components::ErrorMessages;
use crate::data::{form_error, Form};
use crate::layouts::FormPage;
use crate::models::SessionUser;
use crate::providers::Session;
use crate::urls;

/// `/settings`: the signed-in user's account, and the way out.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let session = Session::get();
    let error = form_error(session.update_settings);
    view! {
        <FormPage class="settings-page" title="Settings">
            <h1 class="text-xs-center">"Your Settings"</h1>
            <ErrorMessages error/>
            <Transition fallback=|| ()>
                {move || session.known().map(|user| match user {
                    Some(user) => view! { <SettingsForm user/> }.into_any(),
                    None => view! { <Redirect path=urls::LOGIN/> }.into_any(),
                })}
            </Transition>
        </FormPage>
    }
}

/// The account fields, filled in, and the sign-out button.
#[component]
fn SettingsForm(user: SessionUser) -> impl IntoView {
    let session = Session::get();
    view! {
        <Form action=session.update_settings>
            <fieldset>
                <fieldset class="form-group">
                    <input class="form-control" type="text" name="image" placeholder="URL of profile picture" value=user.image.unwrap_or_default()/>
                </fieldset>
                <fieldset class="form-group">
                    <input class="form-control form-control-lg" type="text" name="username" placeholder="Your Name" value=user.username/>
                </fieldset>
                <fieldset class="form-group">
                    <textarea class="form-control form-control-lg" rows="8" name="bio" placeholder="Short bio about you">{user.bio.unwrap_or_default()}</textarea>
                </fieldset>
                <fieldset class="form-group">
                    <input class="form-control form-control-lg" type="email" name="email" placeholder="Email" value=user.email/>
                </fieldset>
                <fieldset class="form-group">
                    <input class="form-control form-control-lg" type="password" name="password" placeholder="New Password" autocomplete="new-password"/>
                </fieldset>
                <button type="submit" class="btn btn-lg btn-primary pull-xs-right" disabled=move || session.update_settings.pending().get()>"Update Settings"</button>
            </fieldset>
        </Form>
        <hr/>
        <Form action=session.logout>
            <button type="submit" class="btn btn-outline-danger">"Or click here to logout."</button>
        </Form>
        <Form action=session.sign_out_everywhere attr:class="sign-out-everywhere">
            <button type="submit" class="btn btn-sm btn-outline-secondary">"Sign out on every device"</button>
        </Form>
    }
}
