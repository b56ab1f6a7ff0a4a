"""Python functions that the dbt models call on DuckDB (registered by the dbt-duckdb plugin in `plugin`),
for what SQL does badly. Every function has a portable SQL version that Spark (and DuckDB with var
`keynode__funnel_portable_sql: true`) runs instead; the tests compare the two."""
