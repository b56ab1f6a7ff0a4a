-- The nodes of one funnel ($funnel_key), in order, and whether each is a key node.
select
    node_step,
    node_key,
    node_label,
    is_key_node
from dim_funnel_nodes
where funnel_key = $funnel_key
order by node_step
