"""The node-health dashboard (`keynode dashboard`): a Streamlit app that reads only the published BI
artefact, read-only, so it keeps working while a build and a publication run.

Modules: ``command`` (the subcommand: starts Streamlit offline, no usage statistics), ``app`` (the
Streamlit script: navigation, language switch), ``pages_health`` and ``pages_business`` (the four pages),
``charts`` (Altair charts), ``data`` (read-only queries; their SQL is in ``sql/*.sql``), ``labels``
(Chinese and English).
"""
