// The toy card: a symbol's lucky number (see tests/toy_slice/tools.py).
import { html } from "../../kit/html.js";

export default {
  label: "Lucky number",
  title: (data) => data.symbol,
  render: (data) => html`<p class="num">${data.lucky}</p>`,
  open: () => ({ tab: "toy", detail: {} }),
};
