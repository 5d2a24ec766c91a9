//! Article bodies: markdown rendered to HTML on the server, then sanitised,
//! so no script, event handler or `javascript:` URL reaches a reader.

use pulldown_cmark::{html, Options, Parser};

pub fn render(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn markdown_becomes_html() {
        assert_eq!(
            render("# Hi\n\n*there*").trim(),
            "<h1>Hi</h1>\n<p><em>there</em></p>"
        );
    }

    #[test]
    fn scripts_and_event_handlers_are_removed() {
        let html = render("<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(html.contains("<img src=\"x\">"), "{html}");
    }

    #[test]
    fn javascript_urls_lose_their_href() {
        for input in [
            "[x](javascript:alert(3))",
            "<a href=\"javascript:alert(4)\">y</a>",
        ] {
            let html = render(input);
            assert!(!html.contains("href=\"javascript"), "{html}");
            assert!(html.contains("<a"), "the link text stays: {html}");
        }
    }

    #[test]
    fn links_cannot_reach_back_into_the_page() {
        assert!(
            render("[site](https://example.com)").contains("rel=\"noopener noreferrer nofollow\"")
        );
    }
}
