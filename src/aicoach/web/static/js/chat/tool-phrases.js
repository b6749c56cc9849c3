// What the chat's tool chips say while a tool runs ("Looking up SPY key levels…").

/** What a running tool's chip says: the server's phrase (`tool_started.phrase`, declared by
 * the tool), else "Running get quote" from the tool's name. The chip adds the ellipsis. */
export function toolPhrase(name, phrase = "") {
  return phrase || `Running ${String(name || "tool").replace(/_/g, " ")}`;
}
