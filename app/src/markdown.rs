//! Article bodies: markdown to HTML, the same on the server and in the SPA.
//!
//! Safe by construction rather than by cleaning up afterwards: raw HTML in
//! the markdown is shown as the text it is (so no script, event handler or
//! style can come from an author), and link and image addresses keep only
//! the schemes a reader can follow safely (`http`, `https`, `mailto`, and
//! addresses within the site); any other becomes empty.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag};

pub fn render(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    // Links leave the site without telling it where from, and carry no
    // weight for search engines (authors could otherwise farm them). Every
    // `<a href=` here is the renderer's own: raw HTML was escaped above.
    out.replace("<a href=", "<a rel=\"noopener noreferrer nofollow\" href=")
}

/// `url` if a reader may follow it, else empty. Browsers ignore ASCII
/// whitespace and control characters inside a scheme (`java\tscript:`), so
/// they are ignored here too before the scheme is read.
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let compact: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control())
        .collect::<String>()
        .to_ascii_lowercase();
    let scheme_end = compact.find(':');
    let path_start = compact.find(['/', '?', '#']);
    let has_scheme = match (scheme_end, path_start) {
        (Some(colon), Some(path)) => colon < path,
        (Some(_), None) => true,
        (None, _) => false,
    };
    let allowed = ["http:", "https:", "mailto:"];
    if !has_scheme || allowed.iter().any(|scheme| compact.starts_with(scheme)) {
        url
    } else {
        CowStr::Borrowed("")
    }
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
    fn raw_html_is_shown_as_text_never_run() {
        let html = render("<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
    }

    #[test]
    fn javascript_urls_lose_their_href() {
        for input in [
            "[x](javascript:alert(3))",
            "[x](JaVa\tScRiPt:alert(4))",
            "![y](data:text/html,<script>alert(5)</script>)",
        ] {
            let html = render(input);
            assert!(!html.to_lowercase().contains("javascript:"), "{html}");
            assert!(!html.contains("data:"), "{html}");
        }
        assert!(
            render("[x](javascript:alert(3))").contains("<a"),
            "the link text stays"
        );
    }

    #[test]
    fn ordinary_links_and_images_stay() {
        let html = render(
            "[site](https://example.com/a?b#c) [here](/article/x) ![i](https://x.test/i.png)",
        );
        assert!(
            html.contains("href=\"https://example.com/a?b#c\""),
            "{html}"
        );
        assert!(html.contains("href=\"/article/x\""), "{html}");
        assert!(html.contains("src=\"https://x.test/i.png\""), "{html}");
    }

    #[test]
    fn links_cannot_reach_back_into_the_page() {
        assert!(
            render("[site](https://example.com)").contains("rel=\"noopener noreferrer nofollow\"")
        );
    }
}
