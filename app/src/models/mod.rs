//! Wire types shared by the REST API, the server functions and the UI, and
//! the domain newtypes that parse raw input once at the boundary.

mod article;
mod comment;
mod fields;
mod input;
mod timestamp;
mod user;
mod view;

pub use article::{Article, ArticleList, ListFilter, Window};
pub use comment::{Comment, CommentQuery, CommentWindow};
pub use fields::{
    ArticleText, Bio, CommentBody, Email, ImageUrl, Password, TagList, Title, Username,
};
pub use input::{
    Checks, LoginUser, NewArticle, NewComment, RegisterUser, UpdateArticle, UpdateUser,
};
pub use user::{Profile, User};
pub use view::{split_tags, ArticleView, AuthState, ListQuery, SessionUser, PAGE_SIZE};
