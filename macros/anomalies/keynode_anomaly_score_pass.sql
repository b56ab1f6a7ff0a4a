{#-
    One anti-poisoning pass of the node-metric anomaly scorer (doc anomaly_baseline).

    `input` is a CTE with one row per (funnel_key, node_step, metric_name, metric_date) carrying the
    metric (metric_kind, numerator, denominator, metric_value), the day's promotion flag and traffic
    multiplier, `is_scorable`, the applied settings (training_days, min_training_size, sensitivity,
    min_volume, direction, use_seasonality, sigma_floor) and `exclude_from_baseline` (days an earlier
    pass found beyond the expected range). Emits the pass as CTEs <prefix>training .. <prefix>final,
    the last with the input columns plus training_days_used, expected_value, expected_sigma, z_score,
    p_value, family_size, confidence, family_confidence, lower_bound, upper_bound, is_beyond_range
    (beyond `sensitivity` sigma in the direction: what the next pass leaves out of baselines) and
    is_flagged (beyond the range and a Bonferroni family confidence of at least `confidence_level`).
    Every CTE but the last ends with a comma; the caller adds one after the call when it continues its
    `with` list.

    The baseline of day d uses the newest `training_days` usable days t < d (the day itself is never in
    its own baseline) within a lookback of 3 x training_days days: no promotion days, no excluded
    (already anomalous) days, only scorable days; with use_seasonality only the same weekday (lookback
    3 x training_days weeks). Excluded days are thus replaced by older normal days. Rates pool the
    training days: p = sum(numerator) / sum(denominator); sigma^2 = q(1-q)/n_d + tau^2 with q = p
    kept within [1/n_d, 1 - 1/n_d] (so an expectation of 0 or 1 still has sampling noise), tau^2 the
    between-day variance left after the binomial part. Counts and durations use the training mean
    (counts times the promotion multiplier on promotion days) and the sample standard deviation, with
    a Poisson floor for counts. sigma is floored at sigma_floor (absolute for rates, relative else).
    On promotion days counts add half the planned lift as uncertainty and durations scale sigma by
    the multiplier.
-#}
{% macro keynode_anomaly_score_pass(input, confidence_level, prefix) -%}
    {#- training candidates reach back 3 x training_days days (weeks with seasonality) -#}
    {%- set lookback_days =
        '-3 * case when d.use_seasonality then 7 * d.training_days else d.training_days end' -%}
    {{ prefix }}training_days as (
        select
            d.funnel_key,
            d.node_step,
            d.metric_name,
            d.metric_date,
            t.metric_date as training_date,
            t.numerator,
            t.denominator,
            t.metric_value,
            d.training_days as training_days_limit,
            row_number() over (
                partition by d.funnel_key, d.node_step, d.metric_name, d.metric_date
                order by t.metric_date desc
            ) as recency_rank
        from {{ input }} as d
        inner join {{ input }} as t
            on
                d.funnel_key = t.funnel_key
                and d.node_step = t.node_step
                and d.metric_name = t.metric_name
                and t.metric_date < d.metric_date
                and t.metric_date >= {{ dbt.dateadd('day', lookback_days, 'd.metric_date') }}
                and (not d.use_seasonality or t.day_of_week = d.day_of_week)
                and not t.is_promotion_day
                and not t.exclude_from_baseline
                and t.is_scorable
    ),

    {{ prefix }}training as (
        select
            funnel_key,
            node_step,
            metric_name,
            metric_date,
            count(*) as training_days_used,
            sum(numerator) as training_numerator,
            sum(denominator) as training_denominator,
            avg(metric_value) as training_mean,
            var_samp(metric_value) as training_variance,
            avg(
                case when denominator > 0
                    then (cast(numerator as double) / denominator)
                    * (1 - cast(numerator as double) / denominator) / denominator
                end
            ) as training_binomial_variance
        from {{ prefix }}training_days
        where recency_rank <= training_days_limit
        group by funnel_key, node_step, metric_name, metric_date
    ),

    {{ prefix }}expectation as (
        select
            d.*,
            coalesce(training.training_days_used, 0) as training_days_used,
            case
                when d.metric_kind = 'rate'
                    then cast(training.training_numerator as double)
                    / nullif(training.training_denominator, 0)
                when d.metric_kind = 'count'
                    then training.training_mean
                    * case when d.is_promotion_day then d.promotion_multiplier else 1.0 end
                else training.training_mean
            end as expected_value,
            training.training_variance,
            training.training_binomial_variance
        from {{ input }} as d
        left join {{ prefix }}training as training
            on
                d.funnel_key = training.funnel_key
                and d.node_step = training.node_step
                and d.metric_name = training.metric_name
                and d.metric_date = training.metric_date
    ),

    {{ prefix }}sigma as (
        select
            *,
            case
                when expected_value is null then null
                when metric_kind = 'rate' then greatest(
                    sqrt(
                        -- p kept within [1/n, 1 - 1/n]: an expectation of 0 or 1 still has sampling noise
                        least(greatest(expected_value, 1.0 / denominator), 1 - 1.0 / denominator)
                        * (1 - least(greatest(expected_value, 1.0 / denominator), 1 - 1.0 / denominator))
                        / nullif(denominator, 0)
                        + greatest(
                            coalesce(training_variance, 0) - coalesce(training_binomial_variance, 0), 0
                        )
                    ),
                    sigma_floor
                )
                when metric_kind = 'count' then sqrt(
                    power(greatest(
                        sqrt(coalesce(training_variance, 0))
                        * case when is_promotion_day then promotion_multiplier else 1.0 end,
                        sqrt(greatest(expected_value, 0)),
                        sigma_floor * abs(expected_value)
                    ), 2)
                    -- the calendar's multiplier is a plan, not a measurement: half the planned lift
                    -- is its standard uncertainty
                    + case
                        when is_promotion_day
                            then power(
                                0.5 * (promotion_multiplier - 1) * expected_value / promotion_multiplier, 2
                            )
                        else 0
                    end
                )
                else greatest(
                    sqrt(coalesce(training_variance, 0)),
                    sigma_floor * abs(expected_value)
                ) * case when is_promotion_day then promotion_multiplier else 1.0 end
            end as expected_sigma
        from {{ prefix }}expectation
    ),

    {{ prefix }}scored as (
        select
            *,
            case
                when is_scorable and training_days_used >= min_training_size and expected_sigma > 0
                    then (metric_value - expected_value) / expected_sigma
            end as z_score
        from {{ prefix }}sigma
    ),

    {{ prefix }}tested as (
        select
            *,
            case
                when z_score is null then null
                when direction = 'drop' then {{ keynode_anomaly_normal_cdf('z_score') }}
                when direction = 'spike' then 1 - {{ keynode_anomaly_normal_cdf('z_score') }}
                else 2 * (1 - {{ keynode_anomaly_normal_cdf('abs(z_score)') }})
            end as p_value,
            -- the family of a test: every scored node of the same metric on the same day (Bonferroni)
            sum(case when z_score is not null then 1 else 0 end)
                over (partition by metric_name, metric_date) as family_size
        from {{ prefix }}scored
    ),

    {{ prefix }}final as (
        select
            *,
            1 - p_value as confidence,
            1 - least(1.0, p_value * family_size) as family_confidence,
            expected_value - sensitivity * expected_sigma as lower_bound,
            expected_value + sensitivity * expected_sigma as upper_bound,
            coalesce(
                (direction in ('drop', 'both') and z_score <= -sensitivity)
                or (direction in ('spike', 'both') and z_score >= sensitivity),
                false
            ) as is_beyond_range,
            coalesce(
                z_score is not null
                and 1 - least(1.0, p_value * family_size) >= {{ confidence_level }}
                and (
                    (direction in ('drop', 'both') and z_score <= -sensitivity)
                    or (direction in ('spike', 'both') and z_score >= sensitivity)
                ),
                false
            ) as is_flagged
        from {{ prefix }}tested
    )
{%- endmacro %}
