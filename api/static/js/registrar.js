// The registrar's view: check a catalog upload for located errors (POST /v1/catalog/validate),
// or publish it as a new version with a bearer token (POST /v1/catalog).

import { call } from "./api.js";
import { $, errorList, fill, h } from "./dom.js";

/** The upload as multipart files: the chosen files, else the pasted text under its name. */
function upload() {
  const form = new FormData();
  const files = [...$("catalog-files").files];
  for (const file of files) form.append("files", file, file.name);
  const text = $("catalog-text").value;
  if (!files.length) {
    if (!text.trim()) return null;
    const name = $("catalog-name").value.trim() || "catalog.yaml";
    form.append("files", new File([text], name, { type: "application/yaml" }), name);
  }
  return form;
}

function changesList(changes) {
  if (!Array.isArray(changes)) return null;
  if (!changes.length) return h("p", {}, "No stored learner's audit status would change.");
  return [
    h("p", {}, `${changes.length} stored learner${changes.length === 1 ? "'s" : "s'"} audit status would change:`),
    h(
      "ul",
      {},
      changes.map((c) =>
        h("li", {}, typeof c === "string" ? c : [c.learner || c.id || "", c.goal ? ` — ${c.goal}` : "", c.before || c.from ? `: ${c.before ?? c.from} → ${c.after ?? c.to}` : ""]),
      ),
    ),
  ];
}

function showErrors(err, verb) {
  const count = err.errors.length;
  fill(
    "catalog-result",
    h(
      "div",
      { class: "errors", id: "catalog-errors" },
      h("p", {}, h("strong", {}, count ? `The catalog was not ${verb}: ${count} error${count === 1 ? "" : "s"}.` : `The catalog was not ${verb}.`), count ? null : ` ${err.message}`),
      count ? errorList(err.errors) : null,
    ),
  );
}

async function run(publish) {
  const form = upload();
  fill("catalog-result");
  if (!form) {
    fill("catalog-result", h("p", { class: "errors" }, "Choose catalog files or paste a catalog first."));
    return;
  }
  const token = $("token").value.trim();
  if (publish && !token) {
    fill("catalog-result", h("p", { class: "errors" }, "Publishing needs a registrar's token (from `pathways users add NAME --role registrar`)."));
    $("token").focus();
    return;
  }
  fill("catalog-busy", publish ? "Publishing…" : "Checking…");
  try {
    const body = await call("POST", publish ? "/v1/catalog" : "/v1/catalog/validate", { form, token: token || undefined });
    const version = body.version ?? body.id ?? body.catalog_version;
    fill(
      "catalog-result",
      h(
        "div",
        { class: "notice ok", id: "catalog-ok" },
        h("p", { class: "result-ok" }, publish ? `Published${version !== undefined ? ` as version ${version}` : ""}.` : "No errors: this catalog is valid."),
        body.content_hash || body.hash ? h("p", {}, "Content hash ", h("code", {}, body.content_hash || body.hash)) : null,
        changesList(body.changes ?? body.changed ?? body.affected),
      ),
    );
  } catch (err) {
    if (err.status === 401 || err.status === 403) {
      fill("catalog-result", h("p", { class: "errors" }, err.status === 401 ? "The token was not accepted: sign in with a registrar's token." : "This token is not a registrar's: only a registrar may publish."));
    } else {
      showErrors(err, publish ? "published" : "accepted");
    }
  } finally {
    fill("catalog-busy");
  }
}

export function initRegistrar() {
  $("catalog-form").addEventListener("submit", (event) => {
    event.preventDefault();
    run(false);
  });
  $("catalog-publish").addEventListener("click", () => run(true));
}
