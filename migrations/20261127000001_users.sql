-- Users and the follow graph.
--
-- Ids are `bigint` identities: compact in every index that references them
-- (follows, favorites, articles, comments), and ordered by creation.

create table users (
    id             bigint generated always as identity primary key,
    -- Usernames and emails are unique without regard to case, but shown as typed.
    username       text        not null,
    email          text        not null,
    -- An argon2id PHC string; never leaves the server.
    password_hash  text        not null,
    -- API.md: null for a new user, never ""; the service stores "" as null.
    bio            text,
    image          text,
    -- Kept by triggers (below and in later migrations) so that the totals of
    -- "articles by X" and "favorited by X" are one row read, not a count.
    articles_count  integer    not null default 0,
    favorites_count integer    not null default 0,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now()
);

-- Case-insensitive uniqueness, and the index every lookup by name or email uses:
-- queries must say `lower(username) = lower($1)` to be served by it.
-- The error type maps violations of these two names to 409 on the right field.
create unique index users_username_lower_key on users (lower(username));
create unique index users_email_lower_key on users (lower(email));

create table follows (
    follower_id bigint      not null references users (id) on delete cascade,
    followed_id bigint      not null references users (id) on delete cascade,
    created_at  timestamptz not null default now(),
    -- The primary key serves "whom does X follow" (the feed) and "does X follow Y".
    primary key (follower_id, followed_id)
);

-- Serves "who follows Y" and the cascade when Y is deleted.
create index follows_followed_idx on follows (followed_id);
