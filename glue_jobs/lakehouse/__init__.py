"""Lakehouse package: pure DataFrame transforms and the few I/O modules the Glue jobs call.

Never imports awsglue: it runs the same inside Glue and on a laptop.
"""
