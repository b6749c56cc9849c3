"""The coach's tools: the registry and the market, levels, options and positions tools."""
