use leptos::prelude::*;

use crate::models::PAGE_SIZE;

/// Pages listed on each side of the current one.
const WINDOW: u32 = 4;

/// `.pagination` for a list of `total` articles; `link(n)` builds page n's URL.
#[component]
pub fn Pagination(
    total: i64,
    current: u32,
    link: impl Fn(u32) -> String + 'static,
) -> impl IntoView {
    let pages = u32::try_from((total.max(0) + i64::from(PAGE_SIZE) - 1) / i64::from(PAGE_SIZE))
        .unwrap_or(u32::MAX);
    // A window around the current page, plus the first and the last.
    let shown: std::collections::BTreeSet<u32> = [1, pages]
        .into_iter()
        .chain(current.saturating_sub(WINDOW).max(1)..=current.saturating_add(WINDOW).min(pages))
        .collect();
    (pages > 1).then(|| {
        view! {
            <nav aria-label="Pages">
                <ul class="pagination">
                    {shown
                        .into_iter()
                        .map(|page| {
                            view! {
                                <li class="page-item" class:active=page == current>
                                    <a class="page-link" href=link(page)>{page}</a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </nav>
        }
    })
}
