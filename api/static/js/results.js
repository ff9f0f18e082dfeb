// Step 3: the audit's Decision (docs/semantics.md#answers) as the status, the requirement tree, the transfer
// credit and the holdings that did not count.

import { call } from "./api.js";
import { $, credits, creditsText, fill, h, table } from "./dom.js";

const MARKS = { met: ["✓", "met"], partial: ["…", "partly met"], unmet: ["✗", "not met"] };

// The reason table comes from the service (GET /v1/reasons), the one place codes are defined.
let REASONS = {};

export async function loadReasons() {
  const table = await call("GET", "/v1/reasons");
  REASONS = Object.fromEntries(table.reasons.map((r) => [r.code, r.label]));
}

export function renderStatus(decision) {
  const { applied, required } = decision.credits;
  const pct = required > 0 ? Math.min(100, Math.round((applied / required) * 100)) : 100;
  const complete = decision.status === "complete";
  const facts = [
    `Learner ${decision.learner}`,
    `as of ${decision.as_of}`,
    decision.institution ? `at ${decision.institution}` : null,
    decision.gpa !== null && decision.gpa !== undefined ? `GPA ${decision.gpa.toFixed(2)}` : null,
    decision.projected ? "projected (in-progress and planned courses counted)" : null,
    `catalog ${decision.catalog_version}`,
  ].filter(Boolean);
  const waived = decision.waived || [];
  const subs = decision.substitutions || [];
  fill(
    "status",
    h(
      "div",
      { class: "status-line" },
      h("span", { class: "goal-title", id: "status-goal" }, decision.title),
      h("code", {}, decision.goal),
      h("span", { class: `pill ${decision.status}`, id: "status-pill" }, complete ? "✓ Complete" : "In progress"),
      decision.optimal === false
        ? h("span", { class: "pill unproven", id: "status-unproven", title: "The solver's time ran out before it proved this allocation the best." }, "not proven")
        : null,
    ),
    h(
      "div",
      {
        class: "progress",
        role: "progressbar",
        "aria-labelledby": "progress-text",
        "aria-valuemin": "0",
        "aria-valuemax": credits(required),
        "aria-valuenow": credits(Math.min(applied, required)),
        "aria-valuetext": `${credits(applied)} of ${credits(required)} credits applied`,
      },
      h("span", { style: `width: ${pct}%` }),
    ),
    h("p", { class: "progress-text", id: "progress-text" }, `${credits(applied)} of ${credits(required)} credits applied (${pct}%)`),
    h("ul", { class: "facts" }, facts.map((f) => h("li", {}, f))),
    decision.optimal === false
      ? h("p", { class: "notice warn" }, "The solver ran out of time: this allocation is the best found, not proven the best.")
      : null,
    remainingBlock(decision),
    waived.length ? h("p", {}, h("strong", {}, "Waived by exception: "), waived.join("; ")) : null,
    (decision.exceptions || []).length
      ? h("ul", {}, decision.exceptions.map((e) => h("li", {}, h("strong", {}, `${EXCEPTION_WORDS[e.kind] || e.kind}: `), exceptionText(e), ` (by ${e.by}: ${e.reason})`)))
      : null,
    subs.length
      ? h(
          "ul",
          {},
          subs.map((s) =>
            h("li", {}, h("strong", {}, "Substitution: "), h("code", {}, s.substitute), " in place of ", h("code", {}, s.for), s.by ? ` (by ${s.by}` : "", s.reason ? `: ${s.reason})` : s.by ? ")" : ""),
          ),
        )
      : null,
  );
}

const EXCEPTION_WORDS = { also_allow: "Also allowed", apply_here: "Applied here", change_limit: "Changed limit" };

function exceptionText(e) {
  if (e.kind === "change_limit") return `${e.in} needs ${e.credits ? `${e.credits} credits` : `${e.count} items`}`;
  return `${e.credential} ${e.kind === "also_allow" ? "may count in" : "placed in"} ${e.in}`;
}

function remainingBlock(decision) {
  const remaining = decision.remaining || [];
  if (decision.status === "complete" || !remaining.length) return null;
  return h(
    "div",
    { class: "remaining" },
    h("h4", {}, "What is left"),
    h(
      "ul",
      {},
      remaining.map((node) => h("li", {}, h("strong", {}, node.label), node.missing ? ` — ${node.missing}` : "")),
    ),
  );
}

function appliedChips(node) {
  if (!node.applied?.length) return null;
  return h(
    "span",
    { class: "applied" },
    node.applied.map((a) => {
      const name = a.credential || a.label || "block credit";
      const text = `${name} · ${creditsText(a.credits)}${a.via ? ` · via ${a.via}` : ""}${a.substitute_for ? ` · for ${a.substitute_for}` : ""}${a.exception ? ` · ${a.exception.replace("_", " ")} by exception` : ""}`;
      return h("span", { class: a.via ? "chip via" : "chip" }, text);
    }),
  );
}

function nodeLine(node, untaken) {
  const [mark, word] = MARKS[node.status] || ["?", node.status];
  return [
    h("span", { class: `mark ${node.status}`, "aria-hidden": "true" }, mark),
    h("span", { class: "sr-only" }, `${word}: `),
    h("span", { class: "node-label" }, node.label),
    node.waived ? h("span", { class: "tag" }, "waived") : null,
    node.overlay ? h("span", { class: "tag" }, "overlay (shares credit)") : null,
    untaken ? h("span", { class: "tag other" }, "another option was met") : null,
    appliedChips(node),
    node.missing && node.status !== "met" && !untaken ? h("span", { class: "missing" }, node.missing) : null,
  ];
}

// A requirement that is not met under one that is: an option the allocation did not take.
// It stays folded, and its sub-requirements say nothing is missing.
function treeItem(node, depth, parentMet = false, inUntaken = false) {
  const untaken = inUntaken || (parentMet && node.status !== "met");
  if (!node.children?.length) {
    return h("li", { class: "leaf", dataset: { status: node.status } }, nodeLine(node, untaken && !inUntaken));
  }
  const met = node.status === "met";
  return h(
    "li",
    { dataset: { status: node.status } },
    h(
      "details",
      { open: !untaken && (depth < 2 || !met) },
      h("summary", {}, nodeLine(node, untaken && !inUntaken)),
      h("ul", {}, node.children.map((c) => treeItem(c, depth + 1, met, untaken))),
    ),
  );
}

export function renderTree(decision) {
  fill("tree", h("ul", {}, treeItem(decision.requirements, 0)));
}

export function renderTransfers(transfers) {
  if (!transfers.length) {
    fill("transfers", h("p", { class: "hint" }, "No transfer rule applies to these holdings at this goal's institution."));
    return;
  }
  let total = 0;
  const rows = transfers.map((t) => {
    const granted = t.granted.map((g) => {
      if (t.status === "granted" && g.status === "granted" && t.guarantee === "guaranteed") total += g.credits;
      const what = g.credential ? h("code", {}, g.credential) : g.label || "block credit";
      return h("div", {}, what, ` · ${creditsText(g.credits)}${g.status === "duplicate" ? " (duplicate)" : ""}`);
    });
    const status = {
      granted: t.applied === false ? "granted, not applied" : "granted",
      possible: "possible (not counted)",
      superseded: "superseded",
    }[t.status] || t.status;
    return h(
      "tr",
      {},
      h("td", {}, t.label || t.rule, h("div", { class: "hint" }, h("code", {}, t.rule))),
      h("td", {}, t.from.map((f) => h("div", {}, h("code", {}, f)))),
      h("td", {}, granted),
      h("td", {}, t.policy),
      h("td", { class: `g-${t.guarantee}` }, t.guarantee),
      h("td", {}, status, t.counts_toward?.length ? h("div", { class: "hint" }, `counts toward ${t.counts_toward.join(", ")} only`) : null),
      h("td", {}, t.citation ? h("a", { href: t.citation, rel: "noopener noreferrer", target: "_blank" }, "source", h("span", { class: "sr-only" }, ` for ${t.label || t.rule} (opens in a new tab)`)) : "—"),
    );
  });
  fill(
    "transfers",
    table(
      "Transfer credit: each rule that fires, its policy, guarantee level and citation",
      ["Rule", "From", "Grants", "Policy", "Guarantee", "Status", "Citation"],
      rows,
      h("tfoot", {}, h("tr", {}, h("td", { colspan: "2" }, "Guaranteed credit granted"), h("td", { colspan: "5" }, creditsText(total)))),
    ),
  );
}

export function renderUnused(unused) {
  if (!unused.length) {
    fill("unused", h("p", { class: "hint" }, "Every holding counted somewhere."));
    return;
  }
  fill(
    "unused",
    table(
      "Holdings that did not count, each with its reason",
      ["Holding", "Reason", "Why"],
      unused.map((u) =>
        h(
          "tr",
          {},
          h("td", {}, u.credential ? h("code", {}, u.credential) : u.reason_code === "unmapped" ? "transcript line" : `badge #${(u.index ?? 0) + 1}`),
          h("td", {}, h("code", {}, u.reason_code), h("div", { class: "hint" }, REASONS[u.reason_code] || "")),
          h("td", {}, u.reason),
        ),
      ),
    ),
  );
}

export function renderDecision(decision) {
  renderStatus(decision);
  renderTree(decision);
  renderTransfers(decision.transfers || []);
  renderUnused(decision.unused || []);
}

export function clearResults() {
  for (const id of ["status", "tree", "transfers", "unused", "plan", "compare", "map", "map-legend"]) fill(id);
  fill("map-detail", h("p", { class: "hint" }, "Tab to or point at a box in the map to read about it here."));
  $("map-download").hidden = true;
}
