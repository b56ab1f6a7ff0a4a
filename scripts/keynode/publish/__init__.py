"""Write-audit-publish: the BI artefact that BI tools read while keynode builds.

`keynode run` writes the working warehouse (dbt build), audits it (dbt tests, the critical
expectations of the checkpoint, the input circuit breaker) and, only when every gate passed, publishes
the BI contract - every ``fct_``/``dim_`` mart and the quality tables - to a separate, versioned artefact:

    data/bi/keynode_bi.duckdb    -> versions/000012/keynode_bi.duckdb   (symlink: what BI opens, read-only)
    data/bi/current              -> versions/000012                     (symlink: the Parquet files)
    data/bi/published_status.json                                       (what is served, and why)
    data/bi/versions/000012/{keynode_bi.duckdb, parquet/<table>.parquet, manifest.json}

Modules:
- ``layout``: where a publication lives, version ids, atomic switches, fsync, the publisher lock;
- ``contract``: which tables are published and which columns are personal identifiers (dbt manifest);
- ``pseudonym``: the keyed hash (HMAC-SHA256) that replaces personal identifiers;
- ``audit``: the gates (dbt build, critical expectations, input breaker) and the audit record;
- ``writer``: builds a version, writes status revisions (held back, rolled back), retention;
- ``command`` (`keynode publish`) and ``rollback`` (`keynode rollback`).
"""
