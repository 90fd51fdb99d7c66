"""Grafana dashboards and Prometheus rules for openai-error-telemetry, generated as code.

``python -m dashboards`` regenerates everything under ``dashboards/out/``; see
docs/dashboards.md.
"""
