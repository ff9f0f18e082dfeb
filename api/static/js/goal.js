// Step 2: find a goal by name (GET /v1/credentials?q=…), and collect up to three to compare.

import { call } from "./api.js";
import { $, fill, h } from "./dom.js";
import { state, update } from "./state.js";

const MAX_COMPARE = 3;
const PAGE = 25;

function describe(cred) {
  const bits = [cred.kind, cred.issuer].filter(Boolean).join(" · ");
  return bits ? `${cred.id} · ${bits}` : cred.id;
}

/** Choose `cred` ({id, title, …}) as the goal; `why` is said after its name. */
export function setGoal(cred, why = "") {
  update({ goal: cred }, "goal");
  const title = cred.title || cred.id;
  fill(
    "goal-chosen",
    "Goal: ",
    h("span", {}, title),
    " ",
    h("code", {}, `(${cred.id})`),
    why ? ` — ${why}` : "",
  );
  for (const input of document.querySelectorAll('#goal-list input[name="goal"]')) {
    input.checked = input.value === cred.id;
  }
}

let pending = null;

async function search(event) {
  event?.preventDefault();
  pending?.abort();
  const controller = new AbortController();
  pending = controller;
  const q = $("goal-q").value.trim();
  const box = $("goal-results");
  const list = $("goal-list");
  box.hidden = false;
  fill(list, h("p", { class: "hint", role: "status" }, "Searching…"));
  fill("goal-more");
  try {
    const params = new URLSearchParams({ q, limit: String(PAGE) });
    if ($("goal-composite").checked) params.set("composite", "true");
    const body = await call("GET", `/v1/credentials?${params}`, { signal: controller.signal });
    const items = body.data || [];
    if (!items.length) {
      fill(list, h("p", { class: "hint", role: "status" }, `No credential matches “${q}”.`));
      return;
    }
    fill(
      list,
      items.map((cred, i) => {
        const id = `goal-option-${i}`;
        const input = h("input", {
          type: "radio",
          name: "goal",
          id,
          value: cred.id,
          checked: state.goal?.id === cred.id,
          onChange: () => setGoal(cred),
        });
        return h(
          "div",
          { class: "choice" },
          input,
          h("label", { for: id }, cred.title, h("span", { class: "meta" }, describe(cred))),
        );
      }),
    );
    const total = body.count ?? items.length;
    fill("goal-more", total > items.length ? `Showing ${items.length} of ${total}; narrow the search to see the rest.` : `${total} found.`);
  } catch (err) {
    if (err.name === "AbortError") return;
    fill(list, h("p", { class: "errors", role: "alert" }, `The search failed: ${err.message}`));
  }
}

function renderTray() {
  const tray = $("compare-tray");
  tray.hidden = state.compare.length === 0;
  fill(
    "compare-list",
    state.compare.map((cred) =>
      h(
        "li",
        {},
        `${cred.title || cred.id} `,
        h("code", {}, `(${cred.id})`),
        " ",
        h(
          "button",
          {
            type: "button",
            class: "link",
            "aria-label": `Remove ${cred.title || cred.id} from the comparison`,
            onClick: () => update({ compare: state.compare.filter((c) => c.id !== cred.id) }, "compare"),
          },
          "Remove",
        ),
      ),
    ),
  );
  $("compare-run").disabled = !state.record || state.compare.length < 2;
}

function refreshButtons() {
  $("check").disabled = !(state.record && state.goal);
  const full = state.compare.length >= MAX_COMPARE;
  const already = state.goal && state.compare.some((c) => c.id === state.goal.id);
  $("compare-add").disabled = !state.goal || full || already;
  $("compare-add").title = full ? "Three goals is the most to compare" : "";
  renderTray();
}

export function initGoal() {
  $("goal-search").addEventListener("submit", search);
  let timer = null;
  $("goal-q").addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => $("goal-q").value.trim().length >= 2 && search(), 300);
  });
  $("goal-composite").addEventListener("change", () => !$("goal-results").hidden && search());
  $("compare-add").addEventListener("click", () => {
    if (state.goal && state.compare.length < MAX_COMPARE && !state.compare.some((c) => c.id === state.goal.id)) {
      update({ compare: [...state.compare, state.goal] }, "compare");
    }
  });
  refreshButtons();
}

export { refreshButtons };
