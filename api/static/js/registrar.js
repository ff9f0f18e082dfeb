// The registrar's view: check a catalog upload for located errors (POST /v1/catalog/validate),
// or publish it as a new version with a bearer token (POST /v1/catalog).

import { call } from "./api.js";
import { $, errorList, fill, h, table } from "./dom.js";

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

const STATUS = { complete: "complete", in_progress: "in progress", not_evaluable: "cannot be evaluated" };

function changesList(body) {
  const changes = body.changes || [];
  const checked = `${body.checked} stored learner–goal pair${body.checked === 1 ? "" : "s"} audited against both catalogs`;
  if (!changes.length) return h("p", {}, `No audit status would change (${checked}).`);
  return [
    h("p", {}, `${changes.length} audit status${changes.length === 1 ? "" : "es"} would change (${checked}):`),
    table(
      "Stored learners whose audit status would change",
      ["Learner", "Goal", "Now", "With this catalog", "Why"],
      changes.map((c) =>
        h(
          "tr",
          {},
          h("td", {}, h("code", {}, c.learner)),
          h("td", {}, h("code", {}, c.goal)),
          h("td", {}, STATUS[c.before] || c.before),
          h("td", {}, STATUS[c.after] || c.after),
          h("td", {}, c.reason || ""),
        ),
      ),
    ),
  ];
}

function showErrors(err, verb) {
  const count = err.errors.length;
  fill("catalog-busy");
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
  if (!token) {
    fill("catalog-result", h("p", { class: "errors" }, "Checking and publishing need a registrar's token (made by `pathways users add NAME --role registrar`)."));
    $("token").focus();
    return;
  }
  fill("catalog-busy", publish ? "Publishing…" : "Checking…");
  try {
    const body = await call("POST", publish ? "/v1/catalog" : "/v1/catalog/validate", { form, token });
    if (!publish && !body.valid) {
      showErrors({ errors: body.errors, message: "" }, "accepted");
      return;
    }
    fill(
      "catalog-result",
      h(
        "div",
        { class: "notice ok", id: "catalog-ok" },
        publish
          ? [
              h("p", { class: "result-ok" }, `Published as version ${body.version}.`),
              h("p", {}, `${body.files} files: ${body.credentials} credentials, ${body.transfer_rules} transfer rules, ${body.institutions} institutions. Content hash `, h("code", {}, body.catalog_version), "."),
            ]
          : [
              h("p", { class: "result-ok" }, "No errors: this catalog is valid. Nothing has been published yet."),
              h("p", {}, "Content hash ", h("code", {}, body.catalog_version), "."),
              changesList(body),
            ],
      ),
    );
    if (publish) document.dispatchEvent(new CustomEvent("catalog-published", { detail: body }));
  } catch (err) {
    if (err.status === 401 || err.status === 403) {
      fill("catalog-result", h("p", { class: "errors", role: "alert" }, err.status === 401 ? `The token was not accepted (${err.message}).` : `Only a registrar may do this (${err.message}).`));
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
