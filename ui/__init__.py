"""Shared code of the Streamlit dashboard: queries, aggregation rules, charts and formatting.

Everything except `ui.state`, `ui.filters`, `ui.widgets` and `ui.navigation` is plain pandas/plotly
and is tested without Streamlit.
"""
