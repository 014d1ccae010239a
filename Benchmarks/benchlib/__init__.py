"""The pieces of Benchmarks/bench.py: peers, the daemon under test, its spool and delivery log, and one module
per phase. Not a library for anything else: bench.py is the only entry point."""
