"""The no-API-key demo: the fault server, an instrumented workload, a live view, a summary.

``openai-error-telemetry demo`` starts the fault server as a subprocess, drives it with
the real ``openai`` SDK (sync and async callers, streams, background jobs) under a staged
scenario, serves the metrics on a Prometheus endpoint, shows the story live and ends with
a summary read from the same metric points it exported (see ``docs/demo.md``).
"""
