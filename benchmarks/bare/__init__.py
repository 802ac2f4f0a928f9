"""A one-field model behind a stock DRF create endpoint: the baseline for bench_calls_api."""
