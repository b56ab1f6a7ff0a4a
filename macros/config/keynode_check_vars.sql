{#-
    The on-run-start check of the project's vars (dbt_project.yml: on-run-start). Applies every rule of
    keynode_var_rules to the var's value as this invocation sees it (dbt_project.yml, overridden by
    --vars) and, when any is broken, stops the invocation before anything is built with one error
    listing each broken var: its name, its value and the rule. Renders to nothing when all hold.
-#}
{% macro keynode_check_vars() -%}
    {%- set problems = [] -%}
    {%- for rule in keynode_var_rules() -%}
        {%- set value = var(rule.var, rule.get('default')) if rule.get('optional') else var(rule.var) -%}
        {%- set shown = ("'" ~ value ~ "'") if value is string else (value | string) -%}
        {%- set broken = [] -%}
        {%- if value is none and rule.get('optional') -%}
            {#- an optional var that is not set: nothing to check -#}
        {%- elif rule.kind == 'boolean' -%}
            {%- if value is not boolean -%}{%- do broken.append('must be true or false') -%}{%- endif -%}
        {%- elif rule.kind == 'string' -%}
            {%- if value is not string -%}
                {%- do broken.append('must be a string') -%}
            {%- elif rule.get('not_empty') and value | trim == '' -%}
                {%- do broken.append('must not be empty') -%}
            {#- quotes, backslash, semicolon, control characters: they could change the SQL of a path -#}
            {%- elif rule.get('safe_path') and modules.re.search("['\"\\\\;\\x00-\\x1f]", value) -%}
                {%- do broken.append(
                    'must not contain quotes, backslashes, semicolons or control characters'
                ) -%}
            {%- elif rule.get('pattern') and not modules.re.fullmatch(rule.pattern, value) -%}
                {%- do broken.append('must match ' ~ rule.pattern) -%}
            {%- endif -%}
        {%- elif rule.kind == 'one_of' -%}
            {%- if value not in rule['values'] -%}
                {%- do broken.append('must be one of ' ~ rule['values'] | join(', ')) -%}
            {%- endif -%}
        {%- elif rule.kind == 'iso_date' -%}
            {%- set text = value | string -%}
            {%- set match = modules.re.fullmatch('([0-9]{4})-([0-9]{2})-([0-9]{2})', text) -%}
            {%- set valid = false -%}
            {%- if match -%}
                {%- set y, m, d = match.group(1) | int, match.group(2) | int, match.group(3) | int -%}
                {%- if y >= 1 and 1 <= m <= 12 -%}
                    {%- set first_of_next = modules.datetime.date(y + (m // 12), m % 12 + 1, 1) -%}
                    {%- set month_days = (first_of_next - modules.datetime.timedelta(days=1)).day -%}
                    {%- set valid = 1 <= d <= month_days -%}
                {%- endif -%}
            {%- endif -%}
            {%- if not valid -%}
                {%- do broken.append('must be an ISO date YYYY-MM-DD that exists') -%}
            {%- endif -%}
        {%- elif rule.kind == 'number_map' -%}
            {%- if value is not mapping -%}
                {%- do broken.append('must be a map of entity names to numbers') -%}
            {%- else -%}
                {%- for key in rule.get('keys', []) if key not in value -%}
                    {%- do broken.append('must have an entry for ' ~ key) -%}
                {%- endfor -%}
                {%- for key, item in value.items() -%}
                    {%- if not modules.re.fullmatch('[a-z][a-z0-9_]{0,63}', key | string) -%}
                        {%- do broken.append('key ' ~ key ~ ' must be a lower-case entity name') -%}
                    {%- elif item is boolean or item is not number
                        or item < rule.get('min', item) or item > rule.get('max', item) -%}
                        {%- do broken.append(
                            key ~ ' must be a number from ' ~ rule.get('min', '-inf')
                            ~ ' to ' ~ rule.get('max', 'inf')
                        ) -%}
                    {%- endif -%}
                {%- endfor -%}
            {%- endif -%}
        {%- elif rule.kind == 'integer_map' -%}
            {%- if value is not mapping -%}
                {%- do broken.append('must be a map of ' ~ rule['keys'] | join(', ') ~ ' to integers') -%}
            {%- else -%}
                {%- set missing = rule['keys'] | reject('in', value) | list -%}
                {%- if missing -%}
                    {%- do broken.append('must have an entry for ' ~ missing | join(', ')) -%}
                {%- endif -%}
                {%- for key, item in value.items() -%}
                    {%- if item is boolean or item is not integer or item < rule.get('min', item) -%}
                        {%- do broken.append(key ~ ' must be an integer >= ' ~ rule.get('min', 0)) -%}
                    {%- endif -%}
                {%- endfor -%}
            {%- endif -%}
        {%- elif rule.kind in ('integer', 'number') -%}
            {%- set wrong_type = value is boolean or value is not number
                or (rule.kind == 'integer' and value is not integer) -%}
            {%- if wrong_type -%}
                {%- set kind_text = 'an integer' if rule.kind == 'integer' else 'a number' -%}
                {%- do broken.append('must be ' ~ kind_text) -%}
            {%- else -%}
                {%- if 'min' in rule and value < rule.min -%}
                    {%- do broken.append('must be >= ' ~ rule.min) -%}
                {%- endif -%}
                {%- if 'max' in rule and value > rule.max -%}
                    {%- do broken.append('must be <= ' ~ rule.max) -%}
                {%- endif -%}
                {%- if 'above' in rule and value <= rule.above -%}
                    {%- do broken.append('must be > ' ~ rule.above) -%}
                {%- endif -%}
                {%- if 'below' in rule and value >= rule.below -%}
                    {%- do broken.append('must be < ' ~ rule.below) -%}
                {%- endif -%}
                {%- if 'values' in rule and (value | float | string) not in rule['values'] -%}
                    {%- do broken.append('must be one of ' ~ rule['values'] | join(', ')) -%}
                {%- endif -%}
                {%- if 'at_most_var' in rule and var(rule.at_most_var) is number
                    and value > var(rule.at_most_var) -%}
                    {%- do broken.append(
                        'must be <= ' ~ rule.at_most_var ~ ' (' ~ var(rule.at_most_var) ~ ')'
                    ) -%}
                {%- endif -%}
            {%- endif -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error(
                'keynode_var_rules: unknown kind ' ~ rule.kind ~ ' of ' ~ rule.var
            ) }}
        {%- endif -%}
        {%- if broken -%}
            {%- do problems.append(rule.var ~ ' = ' ~ shown ~ ': ' ~ broken | join('; ')) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(
            'keynode: invalid dbt vars (dbt_project.yml, overridden by --vars); nothing was built:\n  - '
            ~ problems | join('\n  - ')
        ) }}
    {%- endif -%}
    {%- do log('keynode: ' ~ keynode_var_rules() | length ~ ' var rules hold', info=false) -%}
{%- endmacro %}
