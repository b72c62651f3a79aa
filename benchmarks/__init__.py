"""Scripts that measure Counter and print their figures (never assertions in tests)."""
