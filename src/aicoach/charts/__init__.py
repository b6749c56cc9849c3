"""The Chart tab: candlesticks, volume, key levels, VWAP bands and the watchlist (a page slice
over the market-data, levels and watchlist JSON APIs)."""
