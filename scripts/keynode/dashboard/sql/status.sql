-- The publication being served: version, freshness, data range and why it is served.
select
    version,
    revision,
    build_id,
    published_at,
    hours_since_published,
    data_from,
    data_through,
    checks_passed,
    checks_summary,
    serving_reason,
    newest_build_status,
    total_rows
from published_status
