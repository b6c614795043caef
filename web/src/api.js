// JSON over same-origin HTTP; an error carries the server's `detail`.
export class ApiError extends Error {}

export async function getJson(url, init) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", ...init });
  } catch {
    throw new ApiError("The server could not be reached; check your connection and try again.");
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    /* no JSON body */
  }
  if (!response.ok) {
    const detail = data && data.detail;
    let text = `The server answered ${response.status}.`;
    if (typeof detail === "string") text = detail;
    else if (Array.isArray(detail)) text = detail.map((d) => (d && d.msg) || String(d)).join("; ");
    throw new ApiError(text);
  }
  return data;
}

export function postJson(url, body) {
  return getJson(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
