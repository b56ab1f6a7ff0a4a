-- The node pairs of one funnel ($funnel_key) on one day ($funnel_date), worst break first.
select
    gap_rank,
    from_step,
    to_step,
    from_node_key,
    to_node_key,
    users_from,
    users_to,
    loss_rate,
    norm_loss_rate_mean,
    loss_rate_deviation,
    loss_rate_z_score
from fct_funnel_gap_points
where funnel_key = $funnel_key and funnel_date = $funnel_date
order by gap_rank
