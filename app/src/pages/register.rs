use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::ErrorMessages;
use crate::data::{busy, typed, Form};
use crate::layouts::FormPage;
use crate::providers::page_error;
use crate::providers::Visitor;
use crate::rpc::users::Register;
use crate::urls;

/// `/register`
#[component]
pub fn RegisterPage() -> impl IntoView {
    let action = Visitor::get().register;
    let error = page_error();
    let (username, email) = (typed::<Register>("username"), typed::<Register>("email"));
    let query = use_query_map();
    view! {
        <FormPage class="auth-page" title="Sign up">
            <h1 class="text-xs-center">"Sign up"</h1>
            <p class="text-xs-center">
                <a href=urls::LOGIN>"Have an account?"</a>
            </p>
            <ErrorMessages error/>
            <Form action>
                <input type="hidden" name=urls::REDIRECT value=move || query.get().get(urls::REDIRECT).unwrap_or_default()/>
                <fieldset class="form-group">
                    <input class="form-control form-control-lg" type="text" name="username" placeholder="Username" autocomplete="username" value=username/>
                </fieldset>
                <fieldset class="form-group">
                    <input class="form-control form-control-lg" type="email" name="email" placeholder="Email" autocomplete="email" value=email/>
                </fieldset>
                <fieldset class="form-group">
                    <input class="form-control form-control-lg" type="password" name="password" placeholder="Password" autocomplete="new-password"/>
                </fieldset>
                <button type="submit" class="btn btn-lg btn-primary pull-xs-right" disabled=move || busy(action)>"Sign up"</button>
            </Form>
        </FormPage>
    }
}
