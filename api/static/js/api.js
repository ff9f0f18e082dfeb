// Talking to the Pathways service. Every failure becomes an ApiError with a message a person
// can read and, when the service gave them, the located errors (file, line, col, path).

export class ApiError extends Error {
  constructor(status, message, errors = []) {
    super(message);
    this.status = status;
    this.errors = errors;
  }
}

function located(item) {
  if (item && typeof item === "object") {
    if ("message" in item || "file" in item) {
      return {
        file: item.file || "",
        line: item.line ?? null,
        col: item.col ?? null,
        path: item.path || "",
        message: item.message || item.msg || "",
      };
    }
    if ("msg" in item) {
      const loc = Array.isArray(item.loc) ? item.loc.filter((x) => x !== "body").join(".") : "";
      return { file: "", line: null, col: null, path: loc, message: item.msg };
    }
  }
  return { file: "", line: null, col: null, path: "", message: String(item) };
}

/** Turn any error body the service may send into {message, errors}. */
export function explain(status, body) {
  const fallback = status === 0 ? "The service could not be reached." : `The service answered ${status}.`;
  if (body === null || body === undefined || body === "") return { message: fallback, errors: [] };
  if (typeof body === "string") return { message: body.slice(0, 500), errors: [] };
  const detail = body.detail ?? body.error ?? body;
  if (typeof detail === "string") {
    const errors = Array.isArray(body.errors) ? body.errors.map(located) : [];
    return { message: detail, errors };
  }
  if (Array.isArray(detail)) {
    const errors = detail.map(located);
    return { message: errors.length === 1 ? errors[0].message : `${errors.length} problems`, errors };
  }
  if (detail && typeof detail === "object") {
    const errors = Array.isArray(detail.errors) ? detail.errors.map(located) : [];
    const message = detail.message || detail.detail || (errors.length ? `${errors.length} problem${errors.length === 1 ? "" : "s"}` : fallback);
    return { message: typeof message === "string" ? message : fallback, errors };
  }
  return { message: fallback, errors: [] };
}

/**
 * Call the service. `json` is sent as a JSON body; `form` as multipart; `token` as a bearer
 * token. Resolves to the parsed JSON (or text, for other content types); rejects with
 * ApiError.
 */
export async function call(method, path, { json, form, token, signal } = {}) {
  const headers = { Accept: "application/json, image/svg+xml;q=0.9, */*;q=0.5" };
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form;
  }
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, { method, headers, body, signal });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "The service could not be reached. Is `pathways serve` running?");
  }
  const type = response.headers.get("Content-Type") || "";
  let data;
  if (type.includes("json")) {
    data = await response.json().catch(() => null);
  } else {
    data = await response.text();
  }
  if (!response.ok) {
    const { message, errors } = explain(response.status, data);
    throw new ApiError(response.status, message, errors);
  }
  return data;
}

/** Whether the service's OpenAPI document lists `path` (cached; used for optional features). */
let openapi = null;
export async function hasEndpoint(path) {
  if (openapi === null) {
    openapi = call("GET", "/openapi.json").catch(() => ({ paths: {} }));
  }
  const doc = await openapi;
  return Boolean(doc.paths && doc.paths[path]);
}
