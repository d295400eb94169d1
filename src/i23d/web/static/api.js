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

/** Poll a session until the server stops working on it; `onUpdate` sees every answer. */
export async function pollSession(api, code, onUpdate, signal, intervalMs = 250) {
  for (;;) {
    const session = await api.getSession(code);
    if (signal.aborted) return session;
    onUpdate(session);
    if (!isWorking(session)) return session;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    if (signal.aborted) return session;
  }
}
