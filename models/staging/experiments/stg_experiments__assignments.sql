{#- Valid experiment assignments, one row per assignment_id. -#}
{{ keynode_staged_rows('experiment_assignments', replace={
    'assigned_at': ['assigned_at', 'cast(assigned_at as date) as assigned_date'],
}) }}
