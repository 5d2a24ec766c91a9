-- Revocable sessions, one rule for usernames, and a bounded tag sidebar.

-- Sessions. A token carries the user's `session_epoch` at issue time and a
-- random session id; it is valid while that epoch is current. Signing out
-- everywhere bumps the epoch. Changing the password bumps it too, but keeps
-- the session that made the change (`kept_session`), so the caller stays
-- signed in while every other token stops working (API.md: the token used
-- for `PUT /api/user` keeps working).
alter table users add column session_epoch integer not null default 0;
alter table users add column kept_session text;

-- Usernames are unique by one key: Unicode NFKC, then full case folding,
-- computed by the app (`models::Username::key`) and nowhere else, so that
-- the cache, the lookups and the unique index agree on which names are the
-- same ("ΟΔΟΣ" and "οδος" are). Rows from before this migration get the
-- closest SQL can do; the app recomputes keys it writes.
alter table users add column username_key text;
update users set username_key = lower(normalize(username, nfkc));
alter table users alter column username_key set not null;
drop index users_username_lower_key;
-- The error type maps a violation of this name to 409 `username`.
create unique index users_username_key_key on users (username_key);

-- The sidebar shows the most used tags plus the most recently used, so a tag
-- just used shows even before it is popular; `GET /api/tags` stays complete.
alter table tags add column last_used_at timestamptz not null default now();
create index tags_popular_idx on tags (articles_count desc, name) where articles_count > 0;
create index tags_recent_idx on tags (last_used_at desc) where articles_count > 0;

create or replace function article_tags_count_trigger() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        update tags set articles_count = articles_count + 1, last_used_at = now()
            where id = new.tag_id;
    else
        update tags set articles_count = articles_count - 1 where id = old.tag_id;
    end if;
    return null;
end $$;
