"""Real components started for tests and benchmarks (never fakes): a throw-away OpenSSH server, and so on."""
