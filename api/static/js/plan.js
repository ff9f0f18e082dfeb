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
  const rows = [
    ["Credits", totals.credits !== undefined ? creditsText(totals.credits) : null],
    ["Cost", "cost" in totals ? money(totals.cost) : null],
    ["Out of pocket (after funding)", "out_of_pocket" in totals ? money(totals.out_of_pocket) : null],
    ["Time", "weeks" in totals ? weeks(totals.weeks) : null],
  ].filter(([, v]) => v !== null);
  return h("dl", { class: "totals" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

function stepsTable(steps, caption) {
  return table(
    caption,
    ["#", "Credential", { text: "Credits", class: "num" }, { text: "Cost", class: "num" }, { text: "Weeks", class: "num" }, "Meets"],
    steps.map((s, i) =>
      h(
        "tr",
        {},
        h("td", { class: "num" }, String(i + 1)),
        h("td", {}, s.title || s.credential, h("div", { class: "hint" }, h("code", {}, s.credential))),
        h("td", { class: "num" }, s.credits === null || s.credits === undefined ? "—" : credits(s.credits)),
        h("td", { class: "num" }, money(s.cost)),
        h("td", { class: "num" }, s.weeks === null || s.weeks === undefined ? "—" : credits(s.weeks)),
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
    items.map((b) => h("li", {}, typeof b === "string" ? b : [b.label ? h("strong", {}, b.label) : null, b.label ? ": " : null, b.reason || b.message || JSON.stringify(b)])),
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
    fill("plan", h("div", { class: "notice error" }, h("p", {}, h("strong", {}, "This goal cannot be reached from here with what the catalog offers.")), blocked(plan)));
    return;
  }
  const steps = plan.steps || [];
  const alternatives = plan.alternatives || [];
  fill(
    "plan",
    h("p", {}, `The least ${by} to finish: ${steps.length} step${steps.length === 1 ? "" : "s"}, in an order that respects prerequisites.`),
    stepsTable(steps, `The plan, least ${by} first`),
    totalsList(plan.totals),
    plan.totals?.lower_bound ? h("p", { class: "hint" }, "Some steps have no known cost or time: the totals are lower bounds.") : null,
    alternatives.length
      ? h(
          "details",
          {},
          h("summary", {}, `${alternatives.length} next-best plan${alternatives.length === 1 ? "" : "s"}`),
          alternatives.map((alt, i) => h("div", {}, h("h4", {}, `Alternative ${i + 1}`), stepsTable(alt.steps || [], `Alternative ${i + 1}`), totalsList(alt.totals))),
        )
      : null,
  );
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
            h("p", { class: "progress-text" }, `${credits(applied)} of ${credits(required)} credits`),
            g.plan ? totalsList(g.plan.totals) : null,
          );
        }),
      ),
    );
  } catch (err) {
    fill("compare", h("p", { class: "errors", role: "alert" }, `The comparison failed: ${err instanceof ApiError ? err.message : String(err)}`));
  }
}
