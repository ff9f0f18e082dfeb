// Step 1: choose a sample learner, or load a record (file, pasted text or transcripts), and add
// badges.

import { call, hasEndpoint } from "./api.js";
import { $, errorList, fill, h } from "./dom.js";
import { setGoal } from "./goal.js";
import { options, state, update } from "./state.js";

let samples = [];

/** Fill the sample picker from GET /v1/samples. */
async function loadSamples() {
  const select = $("sample");
  try {
    const body = await call("GET", "/v1/samples");
    samples = body.data;
    fill(
      select,
      h("option", { value: "" }, "Choose a sample learner…"),
      samples.map((s) => h("option", { value: s.id }, `${s.name} — ${s.goals[0]?.title || s.file}`)),
    );
  } catch (err) {
    fill(select, h("option", { value: "" }, "Samples unavailable"));
    fill("sample-summary", `Could not load the samples: ${err.message}`);
  }
}

async function chooseSample() {
  const id = $("sample").value;
  fill("sample-summary");
  if (!id) return;
  try {
    const sample = await call("GET", `/v1/samples/${encodeURIComponent(id)}`);
    fill("sample-summary", sample.summary);
    fill("record-errors");
    useRecord(sample.record, `sample learner ${sample.name} (${sample.file})`);
    const suggested = sample.goals[0];
    if (suggested) {
      $("projected").checked = suggested.projected;
      $("discretionary").checked = suggested.include_discretionary;
      setGoal({ id: suggested.goal, title: suggested.title }, "suggested for this sample");
    }
  } catch (err) {
    fill("sample-summary", `Could not load this sample: ${err.message}`);
  }
}

function useRecord(record, source) {
  update({ record, source, badges: [] }, "record");
  fill("badge-results");
  $("badge-files").value = "";
}

/** Send record text to the server to parse and validate; show located errors. */
async function parseRecordText(text, name) {
  fill("record-errors");
  if (!text.trim()) {
    fill("record-errors", "The record is empty: choose a file or paste a record first.");
    return;
  }
  try {
    const body = await call("POST", "/v1/records/parse", { json: { text, name } });
    $("sample").value = "";
    fill("sample-summary");
    useRecord(body.record, name === "pasted record" ? "the pasted record" : `the file ${name}`);
  } catch (err) {
    fill(
      "record-errors",
      h("p", {}, h("strong", {}, `${name} was not loaded: `), err.message),
      err.errors.length ? errorList(err.errors) : null,
    );
  }
}

async function readFile(file) {
  return await file.text();
}

function describeRecord() {
  const summary = $("record-summary");
  if (!state.record) {
    fill(summary, "No learner chosen yet.");
    return;
  }
  const learner = state.record.learner || {};
  const holdings = (state.record.holdings || []).length;
  const badges = state.badges.length;
  // A badge named by a file path (as on the command line) cannot be read by the server.
  const paths = (state.record.holdings || []).filter(
    (x) => typeof x.badge === "string" && !/^[\w-]+\.[\w-]*\.[\w-]*$/.test(x.badge),
  ).length;
  fill(
    summary,
    `Learner: ${learner.name || learner.id} (${learner.id}), from ${state.source} — `,
    `${holdings} holding${holdings === 1 ? "" : "s"}`,
    badges ? `, plus ${badges} verified badge${badges === 1 ? "" : "s"}` : "",
    ".",
    paths
      ? h("span", { class: "notice warn", style: "display:block;margin-top:0.4rem" }, `${paths} badge${paths === 1 ? " is" : "s are"} named by a file path, which the server never reads: add the badge file${paths === 1 ? "" : "s"} under Open Badges instead.`)
      : null,
  );
}

// ------------------------------------------------------------------------- badges

function badgeLine(file, result) {
  if (result.verified && result.credential) {
    return h("li", { class: "ok" }, h("strong", {}, `✓ ${file}`), ` verified; counts as `, h("code", {}, result.credential), ".");
  }
  if (result.verified) {
    return h("li", { class: "warn" }, h("strong", {}, `! ${file}`), ` verified, but does not count (${result.reason_code}): ${result.reason}`);
  }
  return h("li", { class: "bad" }, h("strong", {}, `✗ ${file}`), ` not verified (${result.reason_code}): ${result.reason}`);
}

function parseBadge(text) {
  const trimmed = text.trim().replace(/^\uFEFF/, "");
  if (trimmed.startsWith("{")) return JSON.parse(trimmed);
  return trimmed; // compact JWS / VC-JWT text
}

async function verifyBadges(files) {
  const list = $("badge-results");
  if (!(await hasEndpoint("/v1/badges/verify"))) {
    fill(list, h("li", { class: "warn", dataset: { unavailable: "true" } }, "Badge verification is not available on this server: it offers no /v1/badges/verify endpoint yet. No badge was added."));
    return;
  }
  const added = [];
  for (const file of files) {
    let document;
    try {
      document = parseBadge(await readFile(file));
    } catch {
      list.append(h("li", { class: "bad" }, h("strong", {}, `✗ ${file.name}`), " is neither JSON nor JWT text."));
      continue;
    }
    try {
      const learner = state.record?.learner;
      const { as_of } = options();
      const result = await call("POST", "/v1/badges/verify", {
        json: {
          badge: document,
          ...(as_of ? { as_of } : {}),
          ...(learner?.identity ? { identity: learner.identity } : {}),
        },
      });
      list.append(badgeLine(file.name, result));
      if (result.verified && result.credential) {
        added.push({ file: file.name, holding: { badge: document }, result });
      }
    } catch (err) {
      list.append(h("li", { class: "bad" }, h("strong", {}, `✗ ${file.name}`), ` could not be checked: ${err.message}`));
    }
  }
  if (added.length) update({ badges: [...state.badges, ...added] }, "record");
}

/** Make a record from transcript files with POST /v1/records/import; show what did not map. */
async function importTranscripts(files) {
  fill("record-errors");
  fill("transcript-report", h("p", { class: "hint" }, "Reading the transcripts…"));
  const learner = $("transcript-learner").value.trim();
  const names = files.map((f) => f.name).join(", ");
  try {
    const sent = [];
    for (const file of files) sent.push({ name: file.name, content: await readFile(file) });
    const body = await call("POST", "/v1/records/import", {
      json: { files: sent, ...(learner ? { learner } : {}) },
    });
    const report = body.report;
    $("sample").value = "";
    fill("sample-summary");
    $("record-text").value = JSON.stringify(body.record, null, 2);
    useRecord(body.record, `the transcripts ${names}`);
    fill(
      "transcript-report",
      h("p", { class: "summary" }, `${report.holdings.length} holding${report.holdings.length === 1 ? "" : "s"} made from ${names}; ${report.unmapped.length} line${report.unmapped.length === 1 ? "" : "s"} not mapped (kept in the record, never counted).`),
      report.unmapped.length
        ? h("ul", { class: "error-list", id: "transcript-unmapped" }, report.unmapped.map((u) =>
            h("li", {}, u.source ? h("span", { class: "where" }, u.source) : null, " ", h("strong", {}, u.line), `: ${u.reason}`)))
        : null,
      report.notes.length ? h("ul", { class: "hint" }, report.notes.map((n) => h("li", {}, n))) : null,
    );
  } catch (err) {
    fill(
      "transcript-report",
      h("div", { class: "errors", role: "alert" },
        h("p", {}, h("strong", {}, `${names} not imported: `), err.message),
        err.errors.length ? errorList(err.errors) : null),
    );
  }
}

export function initLearner() {
  loadSamples();
  $("sample").addEventListener("change", chooseSample);
  // A chosen file's text goes into the text box, so that its errors can be fixed in place.
  let textName = "pasted record";
  $("record-file").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    const text = await readFile(file);
    $("record-text").value = text;
    textName = file.name;
    await parseRecordText(text, file.name);
  });
  $("record-use").addEventListener("click", () => parseRecordText($("record-text").value, textName));
  $("transcript-files").addEventListener("change", async (event) => {
    const files = [...event.target.files];
    if (files.length) await importTranscripts(files);
  });
  $("badge-files").addEventListener("change", async (event) => {
    const files = [...event.target.files];
    if (!files.length) return;
    if (!state.record) {
      fill("badge-results", h("li", { class: "bad" }, "Choose a learner first: a badge is checked against the learner it names."));
      event.target.value = "";
      return;
    }
    await verifyBadges(files);
  });
}

export { describeRecord };
