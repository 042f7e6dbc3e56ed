"""One row per account of a network scope: its community (pantau.transform.network: Louvain
with a fixed seed on the scope's undirected, weighted graph of replies, quotes, reposts and
mentions, self-loops left out). Every account with an interaction in the scope has one.

Incremental per scope, like the network marts (macros/network_scopes.sql): a run reads the scopes
int_network_interactions wrote since the newest built_at this model holds. Of those, it partitions
again only the scopes whose edges_signature (a hash of the scope's edges) changed or that are new;
a scope whose edges did not change keeps its communities and takes the new built_at. The rows of
scopes left without an edge, or gone from int_network_scopes, are deleted first.
"""

SIGNATURES = """
    select
        scope_type,
        scope_id,
        bit_xor(hash(concat_ws('|', author_key, target_author_key, interaction_type, post_key)))
            filter (where interaction_type <> 'post' and not is_self_loop) as edges_signature,
        count(*) filter (where interaction_type <> 'post' and not is_self_loop) as edge_rows,
        max(built_at) as built_at
    from ({interactions}) as interactions
    where built_at > {watermark}
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
    scopes = dbt.ref("int_network_scopes")
    watermark = "timestamp '-infinity'"
    if dbt.is_incremental:
        newest = session.execute(f"select max(built_at) from {dbt.this}").fetchall()[0][0]
        if newest is not None:
            watermark = f"timestamp '{newest}'"
    # the scopes written since the watermark, with their edges' signature (null: no edge left)
    session.execute(f"""
        create or replace temporary table int_network_communities__written as
        {SIGNATURES.format(interactions=interactions.sql_query(), watermark=watermark)}
    """)
    if dbt.is_incremental:
        # scopes gone, or left without an edge, lose their communities
        session.execute(f"""
            delete from {dbt.this}
            where (scope_type, scope_id) not in (
                select scope_type, scope_id from ({scopes.sql_query()}) as scopes
            )
            or (scope_type, scope_id) in (
                select scope_type, scope_id from int_network_communities__written
                where edge_rows = 0
            )
        """)
        # scopes whose edges did not change keep their communities, at the new built_at
        session.execute(f"""
            update {dbt.this} as built
            set built_at = written.built_at
            from int_network_communities__written as written
            where built.scope_type = written.scope_type
                and built.scope_id = written.scope_id
                and built.edges_signature = written.edges_signature
        """)
        chosen = f"""
            select written.*
            from int_network_communities__written as written
            anti join (select distinct scope_type, scope_id, edges_signature from {dbt.this}
                       where built_at > {watermark}) as built
                on written.scope_type = built.scope_type
                and written.scope_id = built.scope_id
                and written.edges_signature = built.edges_signature
            where written.edge_rows > 0
        """
    else:
        chosen = "select * from int_network_communities__written where edge_rows > 0"
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
            -- carried through the partition to every account of the scope
            any_value(struct_pack(edges_signature := chosen.edges_signature,
                                  built_at := chosen.built_at))
                as carried
        from interactions
        inner join chosen
            on interactions.scope_type = chosen.scope_type
            and interactions.scope_id = chosen.scope_id
        where interactions.interaction_type <> 'post' and not interactions.is_self_loop
            and interactions.built_at > {watermark}
        group by interactions.scope_type, interactions.scope_id, interactions.author_key,
            interactions.target_author_key
        order by all
    """)

    def batches():
        while rows := cursor.fetchmany(100_000):
            yield from rows

    found = [(scope_type, scope_id, account, number, carried["edges_signature"],
              carried["built_at"])
             for scope_type, scope_id, account, number, carried in scope_rows(batches())]
    return pd.DataFrame(
        found, columns=["scope_type", "scope_id", "author_key", "community_id",
                        "edges_signature", "built_at"],
    ).astype({"scope_type": "string", "scope_id": "string", "author_key": "string",
              "community_id": "int64", "edges_signature": "uint64",
              "built_at": "datetime64[us]"})
