// The pathway map: the goal's subgraph as a layered SVG drawn by the server
// (pathways.catalog.graph.to_svg), each node coloured by its state for this learner.

import { call } from "./api.js";
import { $, fill, h } from "./dom.js";

const STATE_NAMES = {
  earned: "earned",
  granted: "granted by transfer",
  in_progress: "in progress",
  planned: "planned",
  missing: "missing",
};
const STATE_ORDER = Object.keys(STATE_NAMES);

let natural = { width: 0, height: 0 };
let scale = 1;
let fitted = false;
let objectUrl = null;

function applySize() {
  const svg = $("map").querySelector("svg");
  if (!svg || !natural.width) return;
  const width = fitted ? $("map").clientWidth - 2 : natural.width * scale;
  svg.setAttribute("width", String(Math.max(200, Math.round(width))));
  svg.setAttribute("height", String(Math.round((natural.height * Math.max(200, width)) / natural.width)));
  $("map-fit").setAttribute("aria-pressed", String(fitted));
  $("map-fit").textContent = fitted ? "Actual size" : "Fit to width";
}

function nodeFacts(node) {
  const title = node.querySelector(":scope > title")?.textContent || "";
  const [what = "", id = "", ...rest] = title.split("\n");
  const stateLine = rest.find((l) => l.startsWith("state: "));
  const state = node.dataset.state;
  const why = rest.filter((l) => l !== stateLine);
  return { what, id, state, why };
}

/** Text with its https:// addresses (citations) as links. */
function linked(text) {
  return text.split(/(https:\/\/[^\s;,)]+)/).map((part, i) =>
    i % 2 ? h("a", { href: part, rel: "noopener noreferrer", target: "_blank" }, part) : part,
  );
}

function showDetail(node) {
  const { what, id, state, why } = nodeFacts(node);
  fill(
    "map-detail",
    h("p", { class: "what" }, what, " ", h("code", {}, id)),
    h("p", {}, h("strong", {}, "State: "), state ? STATE_NAMES[state] || state : "none (not on this learner's route)"),
    why.length ? h("p", {}, h("strong", {}, "Why: "), linked(why.join(" "))) : null,
  );
}

function legend(svg) {
  const counts = new Map();
  const colours = new Map();
  for (const node of svg.querySelectorAll(".node[data-state]")) {
    const state = node.dataset.state;
    counts.set(state, (counts.get(state) || 0) + 1);
    if (!colours.has(state)) {
      const shape = node.querySelector("rect, polygon");
      colours.set(state, { fill: shape?.getAttribute("fill"), stroke: shape?.getAttribute("stroke") });
    }
  }
  const present = [...counts.keys()].sort((a, b) => STATE_ORDER.indexOf(a) - STATE_ORDER.indexOf(b));
  const total = svg.querySelectorAll(".node").length;
  const stateless = total - [...counts.values()].reduce((a, b) => a + b, 0);
  fill(
    "map-legend",
    present.map((state) => {
      const { fill: bg, stroke } = colours.get(state);
      return h(
        "li",
        { dataset: { state } },
        h("span", { class: "swatch", style: `background:${bg};border-color:${stroke}${state === "missing" ? ";border-style:dashed" : ""}`, "aria-hidden": "true" }),
        `${STATE_NAMES[state] || state}: ${counts.get(state)}`,
      );
    }),
    stateless ? h("li", {}, h("span", { class: "swatch", style: "background:#f8fafc;border-color:#64748b", "aria-hidden": "true" }), `no state (not on this learner's route): ${stateless}`) : null,
  );
}

/**
 * Draw the map of `goal` for `record` (null: no states). `planned` lists credential ids a plan
 * adds, in order.
 */
export async function renderMap(goal, record, opts, planned = []) {
  const box = $("map");
  fill(box, h("p", { class: "hint", role: "status" }, "Drawing the map…"));
  fill("map-legend");
  try {
    const url = `/v1/graph/${encodeURIComponent(goal)}`;
    const text = record
      ? await call("POST", url, { json: { record, ...opts, planned } })
      : await call("GET", url);
    const doc = new DOMParser().parseFromString(text, "image/svg+xml");
    const svg = doc.documentElement;
    if (svg.nodeName !== "svg") throw new Error("the map is not an SVG picture");
    natural = {
      width: Number(svg.getAttribute("width")) || 800,
      height: Number(svg.getAttribute("height")) || 600,
    };
    const imported = document.importNode(svg, true);
    imported.setAttribute("focusable", "false");
    fill(box, imported);
    for (const node of imported.querySelectorAll(".node")) node.setAttribute("role", "img");
    legend(imported);
    applySize();
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
    $("map-download").href = objectUrl;
    $("map-download").download = `${goal}.svg`;
    $("map-download").hidden = false;
  } catch (err) {
    fill(box, h("p", { class: "errors", role: "alert" }, `The map could not be drawn: ${err.message}`));
  }
}

export function initMap() {
  const box = $("map");
  const onNode = (event) => {
    const node = event.target.closest?.(".node");
    if (node && box.contains(node)) showDetail(node);
  };
  box.addEventListener("focusin", onNode);
  box.addEventListener("mouseover", onNode);
  $("map-fit").addEventListener("click", () => {
    fitted = !fitted;
    scale = 1;
    applySize();
  });
  $("map-zoom-in").addEventListener("click", () => {
    fitted = false;
    scale = Math.min(3, scale * 1.25);
    applySize();
  });
  $("map-zoom-out").addEventListener("click", () => {
    fitted = false;
    scale = Math.max(0.3, scale / 1.25);
    applySize();
  });
  window.addEventListener("resize", () => fitted && applySize());
}
