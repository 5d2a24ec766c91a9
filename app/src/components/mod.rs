mod footer;
mod navbar;

pub use footer::Footer;
pub use navbar::Navbar;
