// Calls to the workbench API, with the token and analyst name kept in sessionStorage.

export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "string" ? detail : (detail || []).map((d) => d.msg || String(d)).join("; "));
    this.status = status;
  }
}

export function credentials() {
  return { token: sessionStorage.getItem("wf-token") || "", analyst: sessionStorage.getItem("wf-analyst") || "" };
}

export function saveCredentials({ token, analyst }) {
  sessionStorage.setItem("wf-token", token || "");
  sessionStorage.setItem("wf-analyst", analyst || "");
}

function headers(extra = {}) {
  const { token, analyst } = credentials();
  const out = { Accept: "application/json", ...extra };
  if (token) out.Authorization = "Bearer " + token;
  if (analyst) out["X-Analyst"] = analyst;
  return out;
}

async function parse(response) {
  let body = null;
  try { body = await response.json(); } catch (_) { body = null; }
  if (!response.ok) throw new ApiError(response.status, body && body.detail ? body.detail : response.statusText);
  return body;
}

/** GET /api/<path> with query parameters (empty values are left out). */
export async function get(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(key, value);
  }
  const qs = query.toString();
  return parse(await fetch("/api/" + path + (qs ? "?" + qs : ""), { headers: headers() }));
}

/** A write (POST/PATCH) with a JSON body. */
export async function send(method, path, body) {
  return parse(await fetch("/api/" + path, {
    method,
    headers: headers({ "Content-Type": "application/json" }),
    body: body === undefined ? undefined : JSON.stringify(body),
  }));
}
