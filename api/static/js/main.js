// The page's entry point: the two views (learners and advisors; registrar), and the
// "Check eligibility" and "Compare" flows that tie the sections together.

import { call } from "./api.js";
import { $, fill, h } from "./dom.js";
import { initGoal, refreshButtons } from "./goal.js";
import { describeRecord, initLearner } from "./learner.js";
import { initMap, renderMap } from "./map.js";
import { planSteps, renderCompare, renderPlan } from "./plan.js";
import { initRegistrar } from "./registrar.js";
import { clearResults, loadReasons, renderDecision } from "./results.js";
import { initTransfer } from "./transfer.js";
import { options, recordWithBadges, state, subscribe } from "./state.js";

// ------------------------------------------------------------------------- views

function showView() {
  const view = location.hash === "#registrar" ? "registrar" : "learner";
  for (const el of document.querySelectorAll("[data-view]")) el.hidden = el.dataset.view !== view;
  for (const name of ["learner", "registrar"]) {
    const link = $(`nav-${name}`);
    if (name === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = view === "registrar" ? "Registrar — Pathways" : "Pathways — where you stand, and the road ahead";
}

// ------------------------------------------------------------------------- check

let running = null;
let last = null; // the last check: {body, record, opts}

async function check() {
  const record = recordWithBadges();
  const goal = state.goal;
  if (!record || !goal) return;
  running?.abort();
  const controller = new AbortController();
  running = controller;
  const section = $("results");
  section.hidden = false;
  clearResults();
  fill("results-error");
  fill("results-busy", `Checking ${goal.title || goal.id}…`);
  $("results-h").focus();
  const opts = options();
  const body = { record, goal: goal.id, ...opts };
  try {
    const [decision, plan] = await Promise.all([
      call("POST", "/v1/audit", { json: body, signal: controller.signal }),
      renderPlan(body, controller.signal),
    ]);
    if (controller.signal.aborted) return;
    await reasonsReady;
    renderDecision(decision);
    last = { body, record, opts };
    fill("results-busy", "Drawing the map…");
    await renderMap(goal.id, record, opts, planSteps(plan));
    fill("compare", h("p", { class: "hint" }, "Add two or three goals to the comparison (step 2) and press “Compare these goals”."));
  } catch (err) {
    if (err.name === "AbortError") return;
    fill("results-error", h("p", {}, h("strong", {}, "This check could not be done: "), err.message));
  } finally {
    if (running === controller) {
      fill("results-busy");
      running = null;
    }
  }
}

async function replan() {
  if (!last) return;
  const plan = await renderPlan(last.body);
  await renderMap(last.body.goal, last.record, last.opts, planSteps(plan));
}

async function compare() {
  const record = recordWithBadges();
  if (!record || state.compare.length < 2) return;
  $("results").hidden = false;
  document.getElementById("compare-h").scrollIntoView({ block: "start" });
  await renderCompare(record, state.compare, options());
}

// ------------------------------------------------------------------------- start

async function showCatalogVersion() {
  try {
    const health = await call("GET", "/v1/health");
    fill("catalog-version", health.catalog_version || health.version || "unknown");
  } catch {
    fill("catalog-version", "unknown");
  }
}

// The reason labels come from the service; a page that cannot load them shows codes only.
let reasonsReady = Promise.resolve();

function init() {
  reasonsReady = loadReasons().catch(() => {});
  window.addEventListener("hashchange", showView);
  showView();
  initLearner();
  initGoal();
  initMap();
  initRegistrar();
  initTransfer();
  subscribe((_, what) => {
    if (what === "record") {
      describeRecord();
      $("results").hidden = true;
    }
    if (what === "goal") $("results").hidden = true;
    refreshButtons();
  });
  $("check").addEventListener("click", check);
  $("compare-run").addEventListener("click", compare);
  $("replan").addEventListener("click", replan);
  showCatalogVersion();
  document.addEventListener("catalog-published", showCatalogVersion);
}

init();
