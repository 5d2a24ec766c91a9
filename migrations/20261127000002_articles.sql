-- Articles and their tags.

create table articles (
    id              bigint generated always as identity primary key,
    author_id       bigint      not null references users (id) on delete cascade,
    -- Derived from the title once, at creation; unique with a random suffix
    -- when the plain form is taken. Never changes, so links stay valid.
    slug            text        not null,
    title           text        not null,
    description     text        not null,
    body            text        not null,
    -- Kept by the favorites trigger: reading the count costs nothing.
    favorites_count integer     not null default 0,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    constraint articles_slug_key unique (slug)
);

-- The global list: newest first, ties by id (API.md), read as an ordered
-- index scan that stops after `offset + limit` rows.
create index articles_created_idx on articles (created_at desc, id desc);
-- Articles by one author, in the same order; also serves the feed, one
-- index range per followed author.
create index articles_author_created_idx on articles (author_id, created_at desc, id desc);

create table tags (
    id             bigint generated always as identity primary key,
    name           text    not null,
    -- Kept by the article_tags trigger; the tag list and the by-tag total read it.
    articles_count integer not null default 0,
    constraint tags_name_key unique (name)
);

create table article_tags (
    article_id         bigint      not null references articles (id) on delete cascade,
    tag_id             bigint      not null references tags (id) on delete cascade,
    -- A copy of articles.created_at (which never changes): it lets the by-tag
    -- list be one ordered index scan instead of sorting every article of a
    -- popular tag.
    article_created_at timestamptz not null,
    primary key (article_id, tag_id)
);

create index article_tags_tag_created_idx
    on article_tags (tag_id, article_created_at desc, article_id desc);

-- One row holding the total number of articles, so the unfiltered list's
-- `articlesCount` does not count ten million rows. Article creation is rare
-- next to reads, so the single row is not a contention point.
create table article_totals (
    only_row boolean primary key default true check (only_row),
    articles bigint  not null default 0
);
insert into article_totals default values;

create function articles_count_trigger() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        update users set articles_count = articles_count + 1 where id = new.author_id;
        update article_totals set articles = articles + 1;
    else
        update users set articles_count = articles_count - 1 where id = old.author_id;
        update article_totals set articles = articles - 1;
    end if;
    return null;
end $$;

create trigger articles_count after insert or delete on articles
    for each row execute function articles_count_trigger();

create function article_tags_count_trigger() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        update tags set articles_count = articles_count + 1 where id = new.tag_id;
    else
        update tags set articles_count = articles_count - 1 where id = old.tag_id;
    end if;
    return null;
end $$;

create trigger article_tags_count after insert or delete on article_tags
    for each row execute function article_tags_count_trigger();
