use leptos::prelude::*;

use crate::models::{ListQuery, PAGE_SIZE};
use crate::urls;

/// Pages listed on each side of the current one.
const NEIGHBOURS: u32 = 4;

/// `.pagination` for a list of `total` articles, linking each page of `query`'s list.
#[component]
pub fn Pagination(total: i64, query: ListQuery) -> impl IntoView {
    let current = query.page_number;
    // Pages past the deepest window the server reads are not linked.
    let pages = u32::try_from((total.max(0) + i64::from(PAGE_SIZE) - 1) / i64::from(PAGE_SIZE))
        .unwrap_or(u32::MAX)
        .min(ListQuery::last_page());
    // A window around the current page, plus the first and the last.
    let shown: std::collections::BTreeSet<u32> = [1, pages]
        .into_iter()
        .chain(
            current.saturating_sub(NEIGHBOURS).max(1)
                ..=current.saturating_add(NEIGHBOURS).min(pages),
        )
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
                                    <a class="page-link" href=urls::list_page(&query, page)>{page}</a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </nav>
        }
    })
}
