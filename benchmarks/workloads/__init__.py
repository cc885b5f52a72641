"""The questions `benchmarks/run.py` asks, one module per part of the report.

Each question takes the report, the set-up (interpreters and environments of the
contenders), the data and the sizes, measures, and adds its section and targets.
"""
