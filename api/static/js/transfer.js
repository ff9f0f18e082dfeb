// "Will it transfer?": what one credential becomes at every institution (or one), by which
// policy, rule or equivalence, with its guarantee level and citation — guaranteed first.

import { call } from "./api.js";
import { $, fill, h } from "./dom.js";

function becomes(route) {
  return route.becomes.map((b) => `${b.credential || b.title} (${b.credits} cr)`).join(", ");
}

function via(route) {
  if (route.status === "native") return "earned here";
  const parts = [route.policy_title || route.policy];
  if (route.equivalence) parts.push(`through ${route.equivalence}`);
  else if (route.rule) parts.push(`rule ${route.rule}`);
  return parts.join(" · ");
}

function render(result) {
  if (!result.routes.length) {
    return h("p", { class: "hint" }, `No rule or equivalence in this catalog gives ${result.title} credit there.`);
  }
  const rows = result.routes.map((r) =>
    h("tr", {},
      h("th", { scope: "row" }, r.name),
      h("td", { class: "num" }, String(r.credits)),
      h("td", {}, r.status === "native" ? "native" : r.guarantee),
      h("td", {}, becomes(r)),
      h("td", {}, via(r)),
      h("td", {}, r.citation ? h("a", { href: r.citation, rel: "noopener noreferrer", target: "_blank" }, "source",
        h("span", { class: "sr-only" }, ` for ${r.name} (opens in a new tab)`)) : "—"),
    ));
  return [
    h("p", {}, `${result.title}: credit at ${result.institutions} institution${result.institutions === 1 ? "" : "s"}.`),
    h("table", { class: "lines" },
      h("caption", { class: "sr-only" }, `Where ${result.title} transfers, guaranteed routes first`),
      h("thead", {}, h("tr", {}, ...["Institution", "Credits", "Guarantee", "Becomes", "How", "Citation"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, rows)),
  ];
}

async function lookup(event) {
  event.preventDefault();
  const ident = $("transfer-credential").value.trim();
  if (!ident) return;
  const params = new URLSearchParams();
  const at = $("transfer-at").value.trim();
  const score = $("transfer-score").value.trim();
  if (at) params.set("at", at);
  if (score) params.set("score", score);
  fill("transfer-result");
  fill("transfer-busy", `Looking up ${ident}…`);
  try {
    const query = params.toString() ? `?${params}` : "";
    const result = await call("GET", `/v1/credentials/${encodeURIComponent(ident)}/transfer${query}`);
    fill("transfer-result", render(result));
  } catch (err) {
    fill("transfer-result", h("p", { class: "errors", role: "alert" }, err.message));
  } finally {
    fill("transfer-busy");
  }
}

export function initTransfer() {
  $("transfer-form").addEventListener("submit", lookup);
}
