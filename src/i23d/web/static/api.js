// The i23d / CSM image-to-3D API as this page calls it: public endpoints, x-api-key header.

const SESSIONS = "/image-to-3d-sessions";

/** An error answer of the API (its envelope's message), or a network failure. */
export class ApiError extends Error {
  constructor(message, status = 0, field = "") {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.field = field;
  }
}

/** A client bound to one API key. */
export class Api {
  constructor(key) {
    this.key = key;
  }

  async request(method, path, body) {
    const init = { method, headers: { "x-api-key": this.key } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch {
      throw new ApiError("The server cannot be reached. Is `i23d serve` still running?");
    }
    let envelope = null;
    try {
      envelope = await response.json();
    } catch {
      envelope = null;
    }
    if (!response.ok) {
      const message = envelope?.message || envelope?.error || `The server answered ${response.status}.`;
      throw new ApiError(message, response.status, envelope?.data?.field ?? "");
    }
    return envelope?.data;
  }

  /**
   * Check the key (401 if unknown) and learn its tier from its newest session's
   * `tier_at_creation`: "enterprise", "standard", or "" while the key has no session yet.
   */
  async keyTier() {
    const sessions = await this.listSessions(1, 1);
    return sessions[0]?.tier_at_creation ?? "";
  }

  createSession(body) {
    return this.request("POST", SESSIONS, body);
  }

  getSession(code) {
    return this.request("GET", `${SESSIONS}/${encodeURIComponent(code)}`);
  }

  listSessions(limit, page) {
    return this.request("GET", `${SESSIONS}?limit=${limit}&page=${page}`);
  }

  deleteSession(code) {
    return this.request("DELETE", `${SESSIONS}/${encodeURIComponent(code)}`);
  }

  regenerateSpins(code) {
    return this.request("POST", `${SESSIONS}/${encodeURIComponent(code)}/regenerate-spins`, {});
  }

  preview(code, body) {
    return this.request("POST", `${SESSIONS}/get-3d/preview/${encodeURIComponent(code)}`, body);
  }

  refine(code, body) {
    return this.request("POST", `${SESSIONS}/get-3d/refine/${encodeURIComponent(code)}`, body);
  }

  animate(code, body) {
    return this.request("POST", `${SESSIONS}/get-3d/animate/${encodeURIComponent(code)}`, body);
  }
}

/** Statuses during which the server is still working on a session. */
export const WORKING_STATUSES = new Set(["spin_generate_processing", "training_preview", "refining",
  "animating"]);

/** Whether the server is still working on `session` (spins, preview, refine or animation). */
export function isWorking(session) {
  if (WORKING_STATUSES.has(session.status)) return true;
  // auto_gen_3d: the preview follows the spins by itself.
  return Boolean(session.auto_gen_3d) && session.status === "spin_generate_done";
}

/**
 * Follow a session until the server stops working on it; `onUpdate` sees every state. Uses the
 * session's event stream (`fetch`, so the key travels in the `x-api-key` header, never in the
 * URL); polls instead if the stream cannot be opened or breaks off before the work is done.
 */
export async function followSession(api, code, onUpdate, signal) {
  let last = null;
  try {
    last = await streamSession(api, code, onUpdate, signal);
  } catch {
    // No stream (an old server, a proxy that buffers, a network hiccup): polling still works.
  }
  if (signal.aborted || (last && !isWorking(last))) return last;
  return pollSession(api, code, onUpdate, signal);
}

/** Read `GET .../{code}/events` until the server ends it; returns the last session seen. */
async function streamSession(api, code, onUpdate, signal) {
  const response = await fetch(`${SESSIONS}/${encodeURIComponent(code)}/events`, {
    headers: { "x-api-key": api.key, Accept: "text/event-stream" },
    signal,
  });
  if (!response.ok || !response.body) {
    throw new ApiError(`The event stream answered ${response.status}.`, response.status);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let last = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return last;
    buffer += value.replace(/\r\n?/g, "\n");
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const event = parseEvent(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (event.name === "session") {
        last = event.data;
        if (!signal.aborted) onUpdate(last);
      }
    }
  }
}

/** One server-sent event block: its `event:` name and its `data:` parsed as JSON. */
function parseEvent(block) {
  let name = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue; // a keepalive comment
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") name = value;
    else if (field === "data") data.push(value);
  }
  return { name, data: data.length ? JSON.parse(data.join("\n")) : null };
}

/** Poll a session until the server stops working on it; `onUpdate` sees every answer. */
async function pollSession(api, code, onUpdate, signal, intervalMs = 250) {
  for (;;) {
    const session = await api.getSession(code);
    if (signal.aborted) return session;
    onUpdate(session);
    if (!isWorking(session)) return session;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    if (signal.aborted) return session;
  }
}
