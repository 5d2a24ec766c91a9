-- The change feed: every write that makes cached entries stale tells every
-- server instance so from inside its own transaction, with `NOTIFY` on the
-- channel `conduit_cache`. PostgreSQL delivers a notification when (and only
-- when) the transaction commits, so invalidation follows the commit itself:
-- a request dropped by its client after the statement was sent, a write from
-- `psql`, a migration or another service all reach every cache.
--
-- The payload is what `app::backend::cache::Change` deserialises, inside the
-- envelope instances have always exchanged (`origin`, `change`). Identical
-- notifications in one transaction are delivered once, so an edit that
-- updates an article in several statements tells of it once.
--
-- Rows removed by a cascade (an article's comments and favorites when it is
-- deleted) tell nothing: the article's own deletion drops everything that
-- could show them.

create function conduit_notify(change json) returns void language sql as $$
    select pg_notify('conduit_cache', json_build_object('origin', 'database', 'change', change)::text)
$$;

-- What was rendered for one signed-in user may show their own write.
create function conduit_notify_reader(user_id bigint) returns void language sql as $$
    select conduit_notify(json_build_object('kind', 'reader', 'user_id', user_id))
$$;

create function articles_changed() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        perform conduit_notify(json_build_object('kind', 'article_deleted', 'id', old.id, 'slug', old.slug));
        perform conduit_notify_reader(old.author_id);
        return null;
    end if;
    perform conduit_notify(json_build_object(
        'kind', 'article',
        'id', new.id,
        'slugs', case when tg_op = 'UPDATE' and old.slug <> new.slug
                      then json_build_array(old.slug, new.slug)
                      else json_build_array(new.slug) end));
    perform conduit_notify_reader(new.author_id);
    return null;
end $$;

-- Only the columns readers see: the favorites trigger's count updates must
-- not look like edits (they would flush every list on every favorite).
create trigger articles_changed
    after insert or delete or update of slug, title, description, body, tag_list on articles
    for each row execute function articles_changed();

-- The favorites count and the change feed in one trigger: the count's update
-- of the article returns the slug the notification names.
create or replace function favorites_count_trigger() returns trigger language plpgsql as $$
declare
    favorite favorites := case when tg_op = 'INSERT' then new else old end;
    delta integer := case when tg_op = 'INSERT' then 1 else -1 end;
    article_slug text;
begin
    update articles set favorites_count = favorites_count + delta
        where id = favorite.article_id
        returning slug into article_slug;
    update users set favorites_count = favorites_count + delta where id = favorite.user_id;
    if article_slug is not null then
        perform conduit_notify(json_build_object('kind', 'favorites', 'id', favorite.article_id, 'slug', article_slug));
        perform conduit_notify_reader(favorite.user_id);
    end if;
    return null;
end $$;

create function comments_changed() returns trigger language plpgsql as $$
declare
    comment comments := case when tg_op = 'DELETE' then old else new end;
    article_slug text;
begin
    select slug into article_slug from articles where id = comment.article_id;
    if article_slug is not null then
        perform conduit_notify(json_build_object('kind', 'comments', 'article_id', comment.article_id, 'slug', article_slug));
        perform conduit_notify_reader(comment.author_id);
    end if;
    return null;
end $$;

create trigger comments_changed after insert or update or delete on comments
    for each row execute function comments_changed();

-- The counts the other triggers keep on `users` are not changes anyone is told of.
create function users_changed() returns trigger language plpgsql as $$
begin
    if (old.username, old.bio, old.image) is distinct from (new.username, new.bio, new.image) then
        perform conduit_notify(json_build_object(
            'kind', 'author',
            'id', new.id,
            'usernames', case when old.username <> new.username
                              then json_build_array(old.username, new.username)
                              else json_build_array(new.username) end));
    end if;
    if (old.session_epoch, old.kept_session) is distinct from (new.session_epoch, new.kept_session) then
        perform conduit_notify(json_build_object('kind', 'sessions', 'user_id', new.id));
    end if;
    perform conduit_notify_reader(new.id);
    return null;
end $$;

create trigger users_changed
    after update of username, bio, image, email, password_hash, session_epoch, kept_session on users
    for each row execute function users_changed();

create function follows_changed() returns trigger language plpgsql as $$
begin
    perform conduit_notify_reader(case when tg_op = 'INSERT' then new.follower_id else old.follower_id end);
    return null;
end $$;

create trigger follows_changed after insert or delete on follows
    for each row execute function follows_changed();
