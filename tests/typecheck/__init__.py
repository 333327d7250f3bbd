"""Files the type checker reads and nothing runs: typing proofs (mypy checks them: `[tool.mypy] files`)."""
