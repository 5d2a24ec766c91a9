-- Signing out ends the session, and names that cannot be linked to are reserved.

-- Sessions that were signed out before their token expired. A token is
-- valid in its user's current epoch unless its session is listed here; the
-- row can go once the token has expired anyway (`expires_at`). Kept short
-- per user: a sign-out beyond `backend::sessions::MAX_SIGNED_OUT` bumps the
-- epoch instead (every session of the user ends) and empties the list.
create table signed_out_sessions (
    user_id    bigint      not null references users (id) on delete cascade,
    session    text        not null,
    expires_at timestamptz not null,
    primary key (user_id, session)
);

-- Every instance drops its cached sessions of the user at the commit.
create function signed_out_sessions_changed() returns trigger language plpgsql as $$
begin
    perform conduit_notify(json_build_object('kind', 'sessions', 'user_id', new.user_id));
    return null;
end $$;

create trigger signed_out_sessions_changed after insert on signed_out_sessions
    for each row execute function signed_out_sessions_changed();

-- `/profile/..` and `/tag/.` are read by every browser as other paths (URL
-- parsers remove dot segments), so such a profile or tag could never be
-- shown. The app refuses these names now; existing ones get a linkable name.
update users
set username = 'user-' || id, username_key = 'user-' || id
where username in ('.', '..');

delete from tags where name in ('.', '..');
update articles
set tag_list = array_remove(array_remove(tag_list, '.'), '..')
where tag_list && array['.', '..'];

-- `/api/articles/feed` is the feed, so an article whose slug is `feed` could
-- never be read through the API. New titles that would give it get a suffix.
update articles set slug = 'feed-' || id where slug = 'feed';
