"""API routers: ``read`` (lists, details, aggregations) and ``write`` (reviews, merges, splits, reverts)."""
