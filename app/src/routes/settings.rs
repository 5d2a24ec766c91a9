use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::components::{form_error, ErrorMessages};
use crate::session::Session;

/// `/settings`: the signed-in user's account, and the way out.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let session = Session::get();
    let error = form_error(session.update_settings);
    view! {
        <Title text="Settings"/>
        <div class="settings-page">
            <div class="container page">
                <div class="row">
                    <div class="col-md-6 offset-md-3 col-xs-12">
                        <h1 class="text-xs-center">"Your Settings"</h1>
                        <ErrorMessages error/>
                        <Transition fallback=|| ()>
                            {move || session.user.get().map(|user| match user {
                                Ok(Some(user)) => view! {
                                    <ActionForm action=session.update_settings>
                                        <fieldset>
                                            <fieldset class="form-group">
                                                <input class="form-control" type="text" name="image" placeholder="URL of profile picture" value=user.image.clone().unwrap_or_default()/>
                                            </fieldset>
                                            <fieldset class="form-group">
                                                <input class="form-control form-control-lg" type="text" name="username" placeholder="Your Name" value=user.username.clone()/>
                                            </fieldset>
                                            <fieldset class="form-group">
                                                <textarea class="form-control form-control-lg" rows="8" name="bio" placeholder="Short bio about you">{user.bio.clone().unwrap_or_default()}</textarea>
                                            </fieldset>
                                            <fieldset class="form-group">
                                                <input class="form-control form-control-lg" type="email" name="email" placeholder="Email" value=user.email.clone()/>
                                            </fieldset>
                                            <fieldset class="form-group">
                                                <input class="form-control form-control-lg" type="password" name="password" placeholder="New Password" autocomplete="new-password"/>
                                            </fieldset>
                                            <button type="submit" class="btn btn-lg btn-primary pull-xs-right">"Update Settings"</button>
                                        </fieldset>
                                    </ActionForm>
                                    <hr/>
                                    <ActionForm action=session.logout>
                                        <button type="submit" class="btn btn-outline-danger">"Or click here to logout."</button>
                                    </ActionForm>
                                }.into_any(),
                                _ => view! { <Redirect path="/login"/> }.into_any(),
                            })}
                        </Transition>
                    </div>
                </div>
            </div>
        </div>
    }
}
