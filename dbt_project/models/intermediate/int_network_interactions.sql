-- One row per post of a network scope (interaction_type 'post') and per interaction it makes
-- there: a reply (replies and comments), quote or repost of its parent, and each account it
-- mentions. The network marts aggregate it (docs/marts.md, "Amplification network").
-- * The source is the post's author; the target is the parent post's author, or the
--   mentioned account.
-- * A mention (a handle, without "@", any case) resolves to the author of the same
--   platform whose earliest post in the warehouse was written under that handle. An
--   official account of the seeds that never posted is '<platform>:@<handle>'. Any other
--   unresolved handle gets a stable key that never shows the handle:
--   '<platform>:mention:' and its pseudonym, labelled with the pseudonym.
-- * A parent never seen (or a repost of a post that is gone) makes no interaction: the
--   audit counts them. An interaction of an account with itself (a self-reply, a
--   self-mention) is kept here with is_self_loop, counted by the audit and left out of the
--   marts.
-- Incremental, delete+insert per scope: a run rebuilds the scopes that are new or whose time
-- bounds moved, those holding a post of posts_to_rebuild() (before or after it changed), and
-- those mentioning, unresolved, the handle of an author who posted since. Scopes gone from
-- int_network_scopes are deleted after the run. built_at, the same on every row of a scope,
-- says when a run last wrote the scope: the network models downstream rebuild the scopes
-- written since their own newest built_at (macros/network_scopes.sql).
-- depends_on: {{ ref('stg_label_corrections') }}  (read by posts_to_rebuild() when incremental)
-- depends_on: {{ ref('int_posts_to_rebuild') }}  (read by posts_to_rebuild() when incremental)
{{ config(
    unique_key=['scope_type', 'scope_id'],
    tags=['network'],
    post_hook=(
        "delete from {{ this }} where (scope_type, scope_id) not in "
        "(select scope_type, scope_id from {{ ref('int_network_scopes') }})"
    ),
) }}

with

scopes as (
    select * from {{ ref('int_network_scopes') }}
),

posts as not materialized (
    select * from {{ ref('fct_posts') }}
),

social_posts as not materialized (
    select * from {{ ref('stg_social_posts') }}
),

-- one row per platform and handle (an account of two units is one handle)
official_handles as (
    select distinct
        platform,
        handle
    from {{ ref('int_official_accounts') }}
),

{% if is_incremental() %}
changed as (
    select post_key, unit_ids, polres_ids, created_at, created_date, parent_post_key,
        root_post_key
    from posts
    where {{ post_key_in(posts_to_rebuild(), ref('fct_posts')) }}
),

changed_units as (
    select
        post_key,
        created_at,
        unnest(unit_ids) as unit_id
    from changed
),

changed_polres_days as (
    select distinct
        unnest(polres_ids) || '/' || strftime(created_date, '%Y-%m-%d') as scope_id
    from changed
),

-- the unresolved-mention keys (an official account's, anyone else's) of the handles of the
-- authors who posted since: scopes mentioning one now resolve it to its author
changed_handle_keys as (
    select distinct
        unnest([
            social_posts.platform || ':@' || lower(social_posts.author_handle),
            social_posts.platform || ':mention:'
            || {{ pseudonym('social_posts.platform', "'@' || lower(social_posts.author_handle)") }}
        ]) as target_author_key
    from social_posts
    -- created_at too (fct_posts copies it from staging): its bounds skip older row groups
    semi join changed
        on social_posts.post_key = changed.post_key
        and social_posts.created_at = changed.created_at
),

scopes_to_rebuild as (
    -- new scopes, and scopes whose time bounds moved
    select scopes.scope_type, scopes.scope_id
    from scopes
    anti join (
        select distinct scope_type, scope_id, scope_started_at, scope_ended_at
        from {{ this }}
    ) as built
        on scopes.scope_type = built.scope_type
        and scopes.scope_id = built.scope_id
        and scopes.scope_started_at is not distinct from built.scope_started_at
        and scopes.scope_ended_at is not distinct from built.scope_ended_at
    union
    select scopes.scope_type, scopes.scope_id
    from scopes
    inner join changed_units
        on scopes.unit_id = changed_units.unit_id
        and scopes.scope_started_at <= changed_units.created_at
        and (scopes.scope_ended_at is null or scopes.scope_ended_at > changed_units.created_at)
    where scopes.scope_type = 'issue'
    union
    select scopes.scope_type, scopes.scope_id
    from scopes
    -- an equi-join on the three keys unnested (an `in` of three columns was a nested loop)
    semi join (
        select unnest([post_key, parent_post_key, root_post_key]) as linked_post_key
        from changed
    ) as changed_links
        on scopes.scope_post_key = changed_links.linked_post_key
    where scopes.scope_type = 'viral_post'
    union
    select scopes.scope_type, scopes.scope_id
    from scopes
    semi join changed_polres_days
        on scopes.scope_id = changed_polres_days.scope_id
    where scopes.scope_type = 'polres_day'
    union
    -- the scopes the changed posts were in (a corrected Polres leaves its old day)
    select built.scope_type, built.scope_id
    from {{ this }} as built
    semi join changed
        on built.post_key = changed.post_key
    union
    select built.scope_type, built.scope_id
    from {{ this }} as built
    semi join changed_handle_keys
        on built.target_author_key = changed_handle_keys.target_author_key
),

scopes_chosen as (
    select scopes.*
    from scopes
    semi join scopes_to_rebuild
        on scopes.scope_type = scopes_to_rebuild.scope_type
        and scopes.scope_id = scopes_to_rebuild.scope_id
),
{% else %}
scopes_chosen as (
    select * from scopes
),
{% endif %}

-- the posts of the hours the chosen issues cover (an issue's posts are within its bounds),
-- from the earliest chosen issue on: the zone maps of created_at skip the row groups before
-- it, and only the posts of those hours are unnested per unit. One issue chosen from months
-- ago (a unit's median moved, and with it an old issue's end) made the bound alone read, and
-- join to the issues by unit, every post since (at 20M posts: 12.5 s of the model's 20 s).
-- An open issue (no end) covers every hour from its start.
closed_issue_hours as (
    select distinct
        unnest(generate_series(
            date_trunc('hour', scope_started_at), scope_ended_at, interval 1 hour
        )) as hour_at
    from scopes_chosen
    where scope_type = 'issue' and scope_ended_at is not null
),

posts_per_unit as (
    {{ per_unit('posts', where='posts.created_at >= ' ~ earliest_or_never(
        "select min(scope_started_at) from scopes_chosen where scope_type = 'issue'")
        ~ " and (date_trunc('hour', posts.created_at) in (select hour_at from closed_issue_hours)"
        ~ " or posts.created_at >= " ~ earliest_or_never(
            "select min(scope_started_at) from scopes_chosen"
            ~ " where scope_type = 'issue' and scope_ended_at is null") ~ ")") }}
),

issue_members as (
    select
        scopes_chosen.scope_type,
        scopes_chosen.scope_id,
        posts_per_unit.post_key,
        posts_per_unit.created_at
    from scopes_chosen
    inner join posts_per_unit
        on scopes_chosen.unit_id = posts_per_unit.about_unit_id
        and scopes_chosen.scope_started_at <= posts_per_unit.created_at
        and (
            scopes_chosen.scope_ended_at is null
            or scopes_chosen.scope_ended_at > posts_per_unit.created_at
        )
    where scopes_chosen.scope_type = 'issue'
),

-- a viral post's members: itself, and the posts whose root or parent it is. Three equi-joins
-- on one key each: unnesting the three keys of every post made 60M rows at 20M posts (5.4 s),
-- an `in` of three columns a nested loop.
viral_post_members as (
    {%- for key in ['post_key', 'root_post_key', 'parent_post_key'] %}
    select
        scopes_chosen.scope_type,
        scopes_chosen.scope_id,
        posts.post_key,
        posts.created_at
    from scopes_chosen
    inner join posts
        on scopes_chosen.scope_post_key = posts.{{ key }}
    where scopes_chosen.scope_type = 'viral_post'
    {%- if not loop.last %}
    union
    {%- endif %}
    {%- endfor %}
),

posts_per_polres_day as (
    select
        post_key,
        created_at,
        unnest(polres_ids) || '/' || strftime(created_date, '%Y-%m-%d') as scope_id
    from posts
    where
        len(polres_ids) > 0
        -- within the days of the Polres-days chosen (a day's scope bounds its posts'
        -- created_at): no scope id is built for the posts of other days
        and created_at >= {{ earliest_or_never(
            "select min(scope_started_at) from scopes_chosen where scope_type = 'polres_day'") }}
        and created_at < (
            select max(scopes_chosen.scope_ended_at) from scopes_chosen
            where scopes_chosen.scope_type = 'polres_day'
        )
),

polres_day_members as (
    select
        scopes_chosen.scope_type,
        scopes_chosen.scope_id,
        posts_per_polres_day.post_key,
        posts_per_polres_day.created_at
    from scopes_chosen
    inner join posts_per_polres_day
        on scopes_chosen.scope_id = posts_per_polres_day.scope_id
    where scopes_chosen.scope_type = 'polres_day'
),

members as (
    select * from issue_members
    union all
    select * from viral_post_members
    union all
    select * from polres_day_members
),

member_posts as (
    select
        members.scope_type,
        members.scope_id,
        scopes_chosen.scope_started_at,
        scopes_chosen.scope_ended_at,
        posts.post_key,
        posts.platform,
        posts.post_type,
        posts.author_key,
        posts.author_label,
        posts.is_official_author,
        posts.author_followers,
        posts.engagement,
        posts.sentiment_label,
        posts.parent_post_key,
        posts.created_at,
        posts.last_ingested_at
    from members
    inner join scopes_chosen
        on members.scope_type = scopes_chosen.scope_type
        and members.scope_id = scopes_chosen.scope_id
    -- created_at too (the members carry it from fct_posts): its bounds skip row groups
    inner join posts
        on members.post_key = posts.post_key
        and members.created_at = posts.created_at
),

-- each post's distinct mentioned handles (lower case, without "@"); empty ones dropped
post_mentions as (
    select distinct
        social_posts.post_key,
        social_posts.platform,
        lower(ltrim(trim(unnest(social_posts.mentions)), '@')) as handle
    from social_posts
    -- created_at too (fct_posts copies it from staging): its bounds skip row groups
    semi join member_posts
        on social_posts.post_key = member_posts.post_key
        and social_posts.created_at = member_posts.created_at
),

-- the posts written under a mentioned handle: staging's narrow columns only
handle_posts as (
    select
        social_posts.post_key,
        social_posts.platform,
        lower(social_posts.author_handle) as handle,
        social_posts.created_at
    from social_posts
    semi join post_mentions
        on social_posts.platform = post_mentions.platform
        and lower(social_posts.author_handle) = post_mentions.handle
),

-- the earliest of them under each handle (more than one on a tie of created_at): only these
-- are joined to fct_posts for their authors, not every post of every handle
handle_first_posts as (
    select *
    from handle_posts
    qualify created_at = min(created_at) over (partition by platform, handle)
),

handle_authors as (
    select
        handle_first_posts.platform,
        handle_first_posts.handle,
        arg_min(
            posts.author_key,
            { 'created_at': handle_first_posts.created_at, 'author_key': posts.author_key }
        ) as author_key,
        arg_min(
            posts.author_label,
            { 'created_at': handle_first_posts.created_at, 'author_key': posts.author_key }
        ) as author_label,
        arg_min(
            posts.is_official_author,
            { 'created_at': handle_first_posts.created_at, 'author_key': posts.author_key }
        ) as is_official_author
    from handle_first_posts
    -- created_at too (fct_posts copies it from staging): its bounds skip row groups
    inner join posts
        on handle_first_posts.post_key = posts.post_key
        and handle_first_posts.created_at = posts.created_at
    group by handle_first_posts.platform, handle_first_posts.handle
),

mentions_resolved as (
    select
        post_mentions.post_key,
        case
            when handle_authors.author_key is not null then handle_authors.author_key
            when official_handles.handle is not null
                then post_mentions.platform || ':@' || post_mentions.handle
            else
                post_mentions.platform || ':mention:'
                || {{ pseudonym('post_mentions.platform', "'@' || post_mentions.handle") }}
        end as target_author_key,
        case
            when handle_authors.author_key is not null then handle_authors.author_label
            when official_handles.handle is not null then '@' || post_mentions.handle
            else {{ pseudonym('post_mentions.platform', "'@' || post_mentions.handle") }}
        end as target_label,
        coalesce(handle_authors.is_official_author, official_handles.handle is not null)
            as target_is_official_author
    from post_mentions
    left join handle_authors
        on post_mentions.platform = handle_authors.platform
        and post_mentions.handle = handle_authors.handle
    left join official_handles
        on post_mentions.platform = official_handles.platform
        and post_mentions.handle = official_handles.handle
    where post_mentions.handle <> ''
),

-- the post itself: what the marts count per account
own_rows as (
    select
        member_posts.*,
        'post' as interaction_type,
        cast(null as varchar) as parent_post_type,
        cast(null as varchar) as target_author_key,
        cast(null as varchar) as target_label,
        cast(null as boolean) as target_is_official_author
    from member_posts
),

-- its reply, quote or repost of a parent seen in the warehouse
parent_rows as (
    select
        member_posts.*,
        case member_posts.post_type
            when 'repost' then 'repost'
            when 'quote' then 'quote'
            else 'reply'
        end as interaction_type,
        parents.post_type as parent_post_type,
        parents.author_key as target_author_key,
        parents.author_label as target_label,
        parents.is_official_author as target_is_official_author
    from member_posts
    inner join posts as parents
        on member_posts.parent_post_key = parents.post_key
    where member_posts.post_type <> 'post'
),

mention_rows as (
    select
        member_posts.*,
        'mention' as interaction_type,
        cast(null as varchar) as parent_post_type,
        mentions_resolved.target_author_key,
        mentions_resolved.target_label,
        mentions_resolved.target_is_official_author
    from member_posts
    inner join mentions_resolved
        on member_posts.post_key = mentions_resolved.post_key
),

interactions as (
    select * from own_rows
    union all
    select * from parent_rows
    union all
    select * from mention_rows
),

final as (
    select
        -- ids
        scope_type,
        scope_id,
        post_key,
        author_key,
        target_author_key,
        parent_post_key,

        -- strings
        interaction_type,
        platform,
        post_type,
        parent_post_type,
        author_label,
        target_label,
        sentiment_label,

        -- numerics
        author_followers,
        engagement,

        -- booleans
        is_official_author,
        target_is_official_author,
        coalesce(author_key = target_author_key, false) as is_self_loop,

        -- signature: a hash of what the marts read of the scope's rows (they rebuild a
        -- scope when it changes)
        bit_xor(hash({
            'post_key': post_key,
            'interaction_type': interaction_type,
            'author_key': author_key,
            'author_label': author_label,
            'is_official_author': is_official_author,
            'author_followers': author_followers,
            'engagement': engagement,
            'sentiment_label': sentiment_label,
            'post_type': post_type,
            'parent_post_type': parent_post_type,
            'target_author_key': target_author_key,
            'target_label': target_label,
            'target_is_official_author': target_is_official_author,
            'created_at': created_at
        })) over (partition by scope_type, scope_id) as scope_signature,

        -- timestamps
        scope_started_at,
        scope_ended_at,
        created_at,
        last_ingested_at,
        {{ network_build_time() }} as built_at

    from interactions
)

select * from final
