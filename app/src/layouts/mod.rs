//! Page frames shared by several pages.

mod form_page;

pub use form_page::FormPage;
