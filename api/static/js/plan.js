// The cheapest plan (POST /v1/plan) and the comparison of up to three goals (POST /v1/compare).
// When the server has no planning endpoints, these sections say so: nothing is made up here.

import { ApiError, call, hasEndpoint } from "./api.js";
import { $, credits, creditsText, fill, h, table } from "./dom.js";

const MONEY = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });

function money(value) {
  return value === null || value === undefined ? "unknown" : MONEY.format(value);
}

function weeks(value) {
  return value === null || value === undefined ? "unknown" : `${credits(value)} week${Number(value) === 1 ? "" : "s"}`;
}

function unavailable(target, what) {
  fill(
    target,
    h("p", { class: "notice warn", dataset: { unavailable: "true" } }, `${what} is not available on this server: it offers no ${target === "plan" ? "/v1/plan" : "/v1/compare"} endpoint yet. The audit above is complete without it.`),
  );
}

function totalsList(totals) {
  if (!totals) return null;
  const unknown = new Set(totals.unknown || []);
  const approx = (key, text) => (unknown.has(key) ? `at least ${text}` : text);
  return h(
    "dl",
    { class: "totals" },
    h("dt", {}, "Credits to earn (own or granted)"),
    h("dd", {}, creditsText(totals.credits)),
    totals.missing === null || totals.missing === undefined ? null : h("dt", {}, "Still missing now"),
    totals.missing === null || totals.missing === undefined ? null : h("dd", {}, creditsText(totals.missing)),
    h("dt", {}, "Cost"),
    h("dd", {}, approx("cost", money(totals.cost))),
    h("dt", {}, "Out of pocket, after funding"),
    h("dd", {}, approx("cost", money(totals.out_of_pocket))),
    h("dt", {}, "Time (critical path)"),
    h("dd", {}, approx("weeks", weeks(totals.weeks))),
  );
}

function stepsTable(steps, caption) {
  return table(
    caption,
    ["#", "Credential", { text: "Credits", class: "num" }, { text: "Cost", class: "num" }, { text: "Out of pocket", class: "num" }, { text: "Weeks", class: "num" }, "Counts toward"],
    steps.map((s, i) =>
      h(
        "tr",
        {},
        h("td", { class: "num" }, String(i + 1)),
        h(
          "td",
          {},
          s.title,
          s.retake ? " (retake: no attempt held counts here)" : "",
          s.in_record ? ` (${s.in_record.replaceAll("_", " ")})` : "",
          h("div", { class: "hint" }, h("code", {}, s.credential), s.issuer ? ` · ${s.kind} · ${s.issuer}` : ` · ${s.kind}`),
          s.after?.length ? h("div", { class: "hint" }, `after ${s.after.join(", ")}`) : null,
        ),
        h("td", { class: "num" }, credits(s.credits)),
        h("td", { class: "num" }, money(s.cost)),
        h(
          "td",
          { class: "num" },
          money(s.out_of_pocket),
          (s.funding || []).map((f) => h("div", { class: "hint" }, `${f.title}: ${money(f.amount)}`)),
        ),
        h("td", { class: "num" }, s.weeks === null || s.weeks === undefined ? "unknown" : credits(s.weeks)),
        h("td", {}, (s.satisfies || []).join("; ")),
      ),
    ),
  );
}

function blocked(plan) {
  const items = plan.blocked_by || [];
  if (!items.length) return null;
  return h(
    "ul",
    {},
    items.map((b) =>
      h("li", {}, h("strong", {}, b.label), b.missing ? ` — ${b.missing}` : "", (b.reasons || []).length ? h("ul", {}, b.reasons.map((r) => h("li", {}, r))) : null),
    ),
  );
}

/** The steps of a plan, in order, as credential ids (for the map's "planned" state). */
export function planSteps(plan) {
  return plan && Array.isArray(plan.steps) ? plan.steps.map((s) => s.credential).filter(Boolean) : [];
}

/**
 * Ask for the plan of `body` ({record, goal, …}) and draw it. Resolves to the plan, or null
 * when there is none (no endpoint, or an error, which is shown in the section).
 */
export async function renderPlan(body, signal) {
  fill("plan", h("p", { class: "hint", role: "status" }, "Planning…"));
  const available = await hasEndpoint("/v1/plan");
  $("plan-tools").hidden = !available;
  if (!available) {
    unavailable("plan", "Planning");
    return null;
  }
  const optimize = $("optimize")?.value || "cost";
  try {
    const plan = await call("POST", "/v1/plan", { json: { ...body, optimize, alternatives: 2 }, signal });
    drawPlan(plan, optimize);
    return plan;
  } catch (err) {
    if (err.name === "AbortError") throw err;
    fill("plan", h("p", { class: "errors", role: "alert" }, `No plan: ${err.message}`));
    return null;
  }
}

function drawPlan(plan, optimize) {
  const by = { cost: "cost", credits: "credits", time: "time" }[optimize] || optimize;
  if (plan.status === "complete") {
    fill("plan", h("p", { class: "notice ok" }, "Nothing left to plan: this goal is complete."));
    return;
  }
  if (plan.status === "unreachable") {
    fill("plan", h("div", { class: "notice error", id: "plan-blocked" }, h("p", {}, h("strong", {}, "This goal cannot be reached with what the catalog offers here. What blocks it:")), blocked(plan)));
    return;
  }
  const steps = plan.steps || [];
  const alternatives = plan.alternatives || [];
  const excluded = plan.excluded || [];
  fill(
    "plan",
    h("p", {}, `The least ${by} to finish: ${steps.length} step${steps.length === 1 ? "" : "s"}, in an order that respects prerequisites.`),
    plan.optimal === false ? h("p", { class: "notice warn" }, "The solver ran out of time: this is the best plan found, not proven the best.") : null,
    stepsTable(steps, `The plan: least ${by}, steps in order`),
    totalsList(plan.totals),
    plan.totals?.lower_bound ? h("p", { class: "hint" }, `Some steps have no known ${(plan.totals.unknown || []).join(" or ")}: those totals are lower bounds.`) : null,
    plan.terms?.length
      ? h("div", {}, h("h4", {}, "By term"), h("ol", {}, plan.terms.map((t) => h("li", {}, `${t.steps.join(", ")} (${creditsText(t.credits)})`))))
      : null,
    alternatives.length
      ? h(
          "details",
          {},
          h("summary", {}, `${alternatives.length} next-best plan${alternatives.length === 1 ? "" : "s"}`),
          alternatives.map((alt, i) => h("div", {}, h("h4", {}, `Alternative ${i + 1}`), stepsTable(alt.steps || [], `Alternative ${i + 1}`), totalsList(alt.totals))),
        )
      : null,
    excluded.length
      ? h("details", {}, h("summary", {}, `${excluded.length} credential${excluded.length === 1 ? "" : "s"} not considered`), h("ul", {}, excluded.map((e) => h("li", {}, h("code", {}, e.credential), ` — ${e.reason}`))))
      : null,
  );
}

function compareplan(summary) {
  if (!summary) return null;
  if (summary.status === "unreachable") return h("p", { class: "hint" }, "No plan reaches it with what the catalog offers.");
  if (summary.status === "complete") return null;
  return [h("p", { class: "hint" }, `The cheapest plan: ${summary.steps} step${summary.steps === 1 ? "" : "s"}`), totalsList(summary.totals)];
}

/** Compare `goals` ([{id, title}]) for `record` and draw the ranking. */
export async function renderCompare(record, goals, opts) {
  fill("compare", h("p", { class: "hint", role: "status" }, "Comparing…"));
  if (!(await hasEndpoint("/v1/compare"))) {
    unavailable("compare", "Comparing goals");
    return;
  }
  try {
    const body = await call("POST", "/v1/compare", { json: { record, goals: goals.map((g) => g.id), ...opts } });
    const titles = new Map(goals.map((g) => [g.id, g.title]));
    const ranked = body.goals || [];
    fill(
      "compare",
      h("p", {}, "Closest first: complete goals, then the least left to do."),
      h(
        "ol",
        { class: "compare-grid", id: "compare-ranking" },
        ranked.map((g, i) => {
          const { applied, required } = g.credits || { applied: 0, required: 0 };
          const pct = required > 0 ? Math.min(100, Math.round((applied / required) * 100)) : 100;
          return h(
            "li",
            { class: i === 0 ? "compare-card best" : "compare-card" },
            h("h4", {}, `${i + 1}. ${g.title || titles.get(g.goal) || g.goal}`),
            h("code", {}, g.goal),
            h("p", {}, h("span", { class: `pill ${g.status}` }, g.status === "complete" ? "✓ Complete" : g.status.replace("_", " "))),
            h(
              "div",
              { class: "progress", role: "progressbar", "aria-label": `${g.goal}: credits applied`, "aria-valuemin": "0", "aria-valuemax": credits(required), "aria-valuenow": credits(Math.min(applied, required)) },
              h("span", { style: `width: ${pct}%` }),
            ),
            h("p", { class: "progress-text" }, `${credits(applied)} of ${credits(required)} credits`, g.remaining ? ` · ${creditsText(g.remaining)} to go` : ""),
            compareplan(g.plan),
          );
        }),
      ),
    );
  } catch (err) {
    fill("compare", h("p", { class: "errors", role: "alert" }, `The comparison failed: ${err instanceof ApiError ? err.message : String(err)}`));
  }
}
