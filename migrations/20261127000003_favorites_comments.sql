-- Favorites and comments.

create table favorites (
    user_id            bigint      not null references users (id) on delete cascade,
    article_id         bigint      not null references articles (id) on delete cascade,
    -- A copy of articles.created_at, for the same reason as in article_tags:
    -- "favorited by X" lists newest articles first straight from the index.
    article_created_at timestamptz not null,
    created_at         timestamptz not null default now(),
    -- The primary key answers "has X favorited A" for a page of articles.
    primary key (user_id, article_id)
);

create index favorites_user_created_idx
    on favorites (user_id, article_created_at desc, article_id desc);
-- Serves the cascade when an article is deleted.
create index favorites_article_idx on favorites (article_id);

-- Counting inside the same transaction as the insert or delete keeps
-- favorites_count exact under any number of concurrent (un)favorites: the
-- row lock on the article serialises only writers of that one article.
create function favorites_count_trigger() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        update articles set favorites_count = favorites_count + 1 where id = new.article_id;
        update users set favorites_count = favorites_count + 1 where id = new.user_id;
    else
        update articles set favorites_count = favorites_count - 1 where id = old.article_id;
        update users set favorites_count = favorites_count - 1 where id = old.user_id;
    end if;
    return null;
end $$;

create trigger favorites_count after insert or delete on favorites
    for each row execute function favorites_count_trigger();

create table comments (
    id         bigint generated always as identity primary key,
    article_id bigint      not null references articles (id) on delete cascade,
    author_id  bigint      not null references users (id) on delete cascade,
    body       text        not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

-- An article's comments in order of posting; also serves the cascade.
create index comments_article_idx on comments (article_id, id);
-- Serves the cascade when a user is deleted.
create index comments_author_idx on comments (author_id);
