"""One row per account of a network scope: its community (pantau.transform.network: Louvain
with a fixed seed on the scope's undirected, weighted graph of replies, quotes, reposts and
mentions, self-loops left out). Every account with an interaction in the scope has one.

Incremental, delete+insert per scope: edges_signature is a hash of the scope's interactions; a
run partitions again only the scopes whose signature changed (or that are new), and scopes
with no interaction left are deleted first.
"""

SIGNATURES = """
    select
        scope_type,
        scope_id,
        bit_xor(hash(concat_ws('|', author_key, target_author_key, interaction_type, post_key)))
            as edges_signature
    from {interactions}
    where interaction_type <> 'post' and not is_self_loop
    group by scope_type, scope_id
"""


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        incremental_strategy="delete+insert",
        unique_key=["scope_type", "scope_id"],
        tags=["network"],
    )
    import pandas as pd

    from pantau.transform.network import scope_rows

    interactions = dbt.ref("int_network_interactions")
    signatures = SIGNATURES.format(interactions="interactions")
    if dbt.is_incremental:
        # scopes left with no interaction (a post no longer viral, an alert that moved) go
        session.execute(f"""
            delete from {dbt.this}
            where scope_type || '|' || scope_id not in (
                select scope_type || '|' || scope_id
                from ({interactions.sql_query()})
                where interaction_type <> 'post' and not is_self_loop
            )
        """)
        chosen = f"""
            select current.*
            from ({signatures}) as current
            anti join (select distinct scope_type, scope_id, edges_signature from {dbt.this})
                as built
                on current.scope_type = built.scope_type
                and current.scope_id = built.scope_id
                and current.edges_signature = built.edges_signature
        """
    else:
        chosen = signatures
    # a cursor, not a relation: its rows are read in batches, one scope's graph at a time
    cursor = session.execute(f"""
        with
        interactions as ({interactions.sql_query()}),
        chosen as ({chosen})
        select
            interactions.scope_type,
            interactions.scope_id,
            interactions.author_key,
            interactions.target_author_key,
            count(*) as weight,
            any_value(chosen.edges_signature) as edges_signature
        from interactions
        inner join chosen
            on interactions.scope_type = chosen.scope_type
            and interactions.scope_id = chosen.scope_id
        where interactions.interaction_type <> 'post' and not interactions.is_self_loop
        group by all
        order by all
    """)

    def batches():
        while rows := cursor.fetchmany(100_000):
            yield from rows

    found = list(scope_rows(batches()))
    return pd.DataFrame(
        found, columns=["scope_type", "scope_id", "author_key", "community_id",
                        "edges_signature"],
    ).astype({"scope_type": "string", "scope_id": "string", "author_key": "string",
              "community_id": "int64", "edges_signature": "uint64"})
