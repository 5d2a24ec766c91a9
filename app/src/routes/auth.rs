use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{form_error, ErrorMessages};
use crate::session::Session;

/// `/login`
#[component]
pub fn LoginPage() -> impl IntoView {
    let action = Session::get().login;
    let error = form_error(action);
    view! {
        <Title text="Sign in"/>
        <div class="auth-page">
            <div class="container page">
                <div class="row">
                    <div class="col-md-6 offset-md-3 col-xs-12">
                        <h1 class="text-xs-center">"Sign in"</h1>
                        <p class="text-xs-center">
                            <a href="/register">"Need an account?"</a>
                        </p>
                        <ErrorMessages error/>
                        <ActionForm action>
                            <fieldset class="form-group">
                                <input class="form-control form-control-lg" type="email" name="email" placeholder="Email" autocomplete="email"/>
                            </fieldset>
                            <fieldset class="form-group">
                                <input class="form-control form-control-lg" type="password" name="password" placeholder="Password" autocomplete="current-password"/>
                            </fieldset>
                            <button type="submit" class="btn btn-lg btn-primary pull-xs-right">"Sign in"</button>
                        </ActionForm>
                    </div>
                </div>
            </div>
        </div>
    }
}

/// `/register`
#[component]
pub fn RegisterPage() -> impl IntoView {
    let action = Session::get().register;
    let error = form_error(action);
    view! {
        <Title text="Sign up"/>
        <div class="auth-page">
            <div class="container page">
                <div class="row">
                    <div class="col-md-6 offset-md-3 col-xs-12">
                        <h1 class="text-xs-center">"Sign up"</h1>
                        <p class="text-xs-center">
                            <a href="/login">"Have an account?"</a>
                        </p>
                        <ErrorMessages error/>
                        <ActionForm action>
                            <fieldset class="form-group">
                                <input class="form-control form-control-lg" type="text" name="username" placeholder="Username" autocomplete="username"/>
                            </fieldset>
                            <fieldset class="form-group">
                                <input class="form-control form-control-lg" type="email" name="email" placeholder="Email" autocomplete="email"/>
                            </fieldset>
                            <fieldset class="form-group">
                                <input class="form-control form-control-lg" type="password" name="password" placeholder="Password" autocomplete="new-password"/>
                            </fieldset>
                            <button type="submit" class="btn btn-lg btn-primary pull-xs-right">"Sign up"</button>
                        </ActionForm>
                    </div>
                </div>
            </div>
        </div>
    }
}
