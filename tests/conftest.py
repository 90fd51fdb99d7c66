"""Shared pytest setup for the whole suite."""

from hypothesis import HealthCheck, settings

# The fault server fixture (`fault_server`) and `run_fault_server` for custom flags.
pytest_plugins = ["tests.fault_server"]

# Property tests check answers, not speed: a loaded CI machine must not fail them by the
# clock (a slow first draw, a slow example). Speed is measured in benchmarks/, and the
# few bounds on huge inputs are asserted explicitly in tests/hardening_load/.
settings.register_profile(
    "project", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("project")
