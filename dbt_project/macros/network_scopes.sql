{#- The network marts (incremental, delete+insert per scope): the scopes whose rows of
    int_network_interactions changed since the mart was built (their scope_signature differs
    from the one the mart holds, or the mart has none), as a relation of scope_type, scope_id. -#}
{% macro network_scopes_to_rebuild() -%}
    (
        select distinct
            current_scopes.scope_type,
            current_scopes.scope_id
        from {{ ref('int_network_interactions') }} as current_scopes
        anti join (
            select distinct scope_type, scope_id, scope_signature from {{ this }}
        ) as built
            on current_scopes.scope_type = built.scope_type
            and current_scopes.scope_id = built.scope_id
            and current_scopes.scope_signature = built.scope_signature
    )
{%- endmacro %}

{#- The post-hook of the network marts: delete the scopes left without an edge (a post no longer
    viral, an alert whose start moved, a conversation whose only reply went), which no new row
    replaces. -#}
{% macro network_delete_stale_scopes() -%}
    delete from {{ this }}
    where scope_type || '|' || scope_id not in (
        select scope_type || '|' || scope_id
        from {{ ref('int_network_interactions') }}
        where interaction_type <> 'post' and not is_self_loop
    )
{%- endmacro %}

{#- The rows of `relation` (with scope_type and scope_id) that a run of a network mart reads:
    every row in a full build, those of the scopes to rebuild in an incremental one (the model
    names network_scopes_to_rebuild() as its CTE scopes_to_rebuild). -#}
{% macro network_rows_to_rebuild(relation) -%}
    select all_rows.*
    from {{ relation }} as all_rows
    {% if is_incremental() %}
    semi join scopes_to_rebuild
        on all_rows.scope_type = scopes_to_rebuild.scope_type
        and all_rows.scope_id = scopes_to_rebuild.scope_id
    {% endif %}
{%- endmacro %}
