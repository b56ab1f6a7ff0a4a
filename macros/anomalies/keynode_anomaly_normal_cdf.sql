{#-
    Standard normal cumulative distribution function Phi(x) as a portable SQL expression (no erf on
    DuckDB/Spark): Abramowitz & Stegun 26.2.17, absolute error < 7.5e-8. Used to turn z-scores into
    p-values and confidences (doc anomaly_confidence).
-#}
{% macro keynode_anomaly_normal_cdf(x) -%}
    (case
        when ({{ x }}) is null then null
        else
            0.5 + sign({{ x }}) * (0.5 - (
                exp(-0.5 * ({{ x }}) * ({{ x }})) / sqrt(2 * pi())
                * (
                    0.319381530 * (1.0 / (1.0 + 0.2316419 * abs({{ x }})))
                    - 0.356563782 * power(1.0 / (1.0 + 0.2316419 * abs({{ x }})), 2)
                    + 1.781477937 * power(1.0 / (1.0 + 0.2316419 * abs({{ x }})), 3)
                    - 1.821255978 * power(1.0 / (1.0 + 0.2316419 * abs({{ x }})), 4)
                    + 1.330274429 * power(1.0 / (1.0 + 0.2316419 * abs({{ x }})), 5)
                )
            ))
    end)
{%- endmacro %}
