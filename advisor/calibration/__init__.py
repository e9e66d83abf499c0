"""Calibrate a workload from measured usage: the page, the API and the service they share."""
