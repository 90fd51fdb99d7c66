"""A stand-in for ``opentelemetry-test-util-genai``, which is not published on PyPI.

The official OpenAI instrumentation's test suite (its PyPI source release) imports its
fixtures, cassette helpers and ``instrument`` context manager from this package, which
lives only in the opentelemetry-python-genai repository. ``benchmarks/sdk_suite.py`` puts
this directory on ``PYTHONPATH`` so that suite runs offline. Written here from the names
the suite uses; the plain and the with-us runs share it, so it cannot tell them apart.
Conformance (weaver) and handler-scope tests need more of it and are left out.
"""
