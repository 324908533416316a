"""The listening REST API, one module per area."""
