//! Pages, one module per route.

mod article;
mod editor;
mod home;
mod login;
mod not_found;
mod profile;
mod register;
mod settings;

pub use article::ArticlePage;
pub use editor::EditorPage;
pub use home::HomePage;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use profile::ProfilePage;
pub use register::RegisterPage;
pub use settings::SettingsPage;
