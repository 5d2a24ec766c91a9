-- Each article keeps its own tag names, in the order the API gives them
-- (sorted by code point, as `models::TagList` sorts them, whatever the
-- database's collation). Lists then read an article in one row instead of
-- joining its tags per article; `article_tags` stays the index for by-tag
-- lists and the counts. Both are written together (`replace_tags`).
alter table articles add column tag_list text[] not null default '{}';
update articles a set tag_list = t.names
from (
    select at.article_id, array_agg(t.name order by t.name collate "C") as names
    from article_tags at join tags t on t.id = at.tag_id
    group by at.article_id
) t
where t.article_id = a.id;
