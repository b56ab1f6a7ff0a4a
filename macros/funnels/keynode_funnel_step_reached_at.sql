{#-
    The step_NN_reached_at column of `user_days` (a relation alias of int_funnel_user_days) whose step
    number is the expression `step`, for steps first_step .. last_step (NULL otherwise).
-#}
{% macro keynode_funnel_step_reached_at(user_days, step, first_step, last_step) -%}
    case {{ step }}
        {%- for s in range(first_step, last_step + 1) %}
        when {{ s }} then {{ user_days }}.step_{{ '%02d' | format(s) }}_reached_at
        {%- endfor %}
    end
{%- endmacro %}
