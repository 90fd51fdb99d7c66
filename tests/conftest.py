"""Shared pytest setup for the whole suite."""

# The fault server fixture (`fault_server`) and `run_fault_server` for custom flags.
pytest_plugins = ["tests.fault_server"]
