// What the chat's tool chips say while a tool runs ("Looking up SPY key levels…").

const sym = (a) => (a && a.symbol ? `${String(a.symbol).toUpperCase()} ` : "");
const TOOL_PHRASES = {
  get_key_levels: (a) => `Looking up ${sym(a)}key levels`,
  get_quote: (a) => `Getting the ${sym(a)}quote`,
  get_chart_data: (a) => `Loading ${sym(a)}${a.timeframe ? a.timeframe + " " : ""}bars`,
  get_market_status: () => "Checking the market clock",
  get_expirations: (a) => `Listing ${sym(a)}expirations`,
  get_options_chain: (a) => `Loading the ${sym(a)}${a.expiration ? a.expiration + " " : ""}chain`,
  analyze_position: () => "Analyzing the position",
  get_positions: () => "Reading your positions",
  get_portfolio_greeks: () => "Adding up your portfolio Greeks",
};

/** "Looking up SPY key levels" for a running tool (the chip adds the ellipsis). */
export function toolPhrase(name, args = {}) {
  const fn = TOOL_PHRASES[name];
  return fn ? fn(args || {}) : `Running ${String(name || "tool").replace(/_/g, " ")}`;
}
