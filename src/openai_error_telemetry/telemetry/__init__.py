"""What the instrumentation emits: names, attributes, spans, metrics and logs.

Nothing in here knows the ``openai`` SDK: the hooks hand over plain values and a
``Classification``, and these modules turn them into telemetry.
"""
