{#-
    The node pairs of a funnel of up to `max_steps` nodes, as a select of (pair_type, from_step,
    pair_to_step): `adjacent` k-1 -> k for k = 2 .. max_steps, and `end_to_end` 1 -> NULL, the funnel's
    last node, which the caller fills in from the funnel's length (and it keeps the pairs within it).
-#}
{% macro keynode_funnel_step_pairs(max_steps) -%}
    {%- for step in range(2, [max_steps | int, 2] | max + 1) %}
    select
        'adjacent' as pair_type,
        {{ step - 1 }} as from_step,
        {{ step }} as pair_to_step
    union all
    {%- endfor %}
    select
        'end_to_end' as pair_type,
        1 as from_step,
        cast(null as integer) as pair_to_step
{%- endmacro %}
