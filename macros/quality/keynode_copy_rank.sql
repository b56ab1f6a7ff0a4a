{#-
    Ranks the valid copies of the same key: 1 for the copy that is kept, 2+ for duplicates.
    Quarantined rows get NULL and never compete with valid ones. The kept copy is the one ingested
    first; ties are broken by raw file name and row number, so the choice is deterministic.
    `prior_copies` (optional): an expression counting valid copies of the key ranked before this
    batch (an incremental run's earlier landing dates); it is added to the rank.
-#}
{% macro keynode_copy_rank(key_columns, ingested_at='ingested_at', prior_copies=none) -%}
    case when quarantine_reason is null then
        cast({% if prior_copies is not none %}{{ prior_copies }} + {% endif %}row_number() over (
            partition by {{ key_columns | join(', ') }}, case when quarantine_reason is null then 1 else 0 end
            order by {{ ingested_at }}, raw_file, raw_row_number
        ) as bigint)
    end as copy_rank
{%- endmacro %}
