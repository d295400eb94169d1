// The key's past sessions: thumbnail, status and date, with buttons to open or delete each.

/** Plain words for each session status the API reports. */
export const STATUS_WORDS = {
  spin_generate_processing: "Making the spins",
  spin_generate_done: "Spins ready",
  spin_generate_failed: "Spins failed",
  training_preview: "Building the 3D preview",
  preview_done: "Preview ready",
  preview_failed: "Preview failed",
  refining: "Refining the model",
  refine_done: "Refined model ready",
  refine_failed: "Refining failed",
  animating: "Animating the model",
  animate_done: "Animated clips ready",
  animate_failed: "Animating failed",
};

/** Words for a session's status (the raw string when the API adds one this page does not know). */
export function statusWords(session) {
  return STATUS_WORDS[session.status] ?? session.status ?? "Unknown";
}

/** A picture for the session: the chosen spin's still, any spin's still, or the input image. */
export function thumbnailUrl(session) {
  const spins = session.spins ?? [];
  const chosen = spins[session.selected_spin_index ?? 0] ?? spins[0];
  const still = chosen?.still_url || chosen?.still_png_url || "";
  if (still) return still;
  return session.input_image || session.user_image || session.image_url || "";
}

function when(session) {
  const date = new Date(session.created_at);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleString();
}

function sessionCard(session, onOpen, onDelete) {
  const item = document.createElement("li");
  item.className = "history-item";
  item.dataset.code = session.session_code;
  const figure = document.createElement("div");
  figure.className = "thumb";
  const url = thumbnailUrl(session);
  if (url) {
    const img = document.createElement("img");
    img.alt = "";
    img.loading = "lazy";
    img.src = url;
    figure.append(img);
  }
  const text = document.createElement("div");
  text.className = "history-text";
  const status = document.createElement("strong");
  status.textContent = statusWords(session);
  status.className = `status status-${(session.status || "").split("_").pop()}`;
  const meta = document.createElement("span");
  meta.className = "hint";
  meta.textContent = `${session.session_code} · ${when(session)}`;
  text.append(status, meta);

  const open = document.createElement("button");
  open.type = "button";
  open.className = "secondary";
  open.textContent = "Open";
  open.setAttribute("aria-label", `Open session ${session.session_code}`);
  open.addEventListener("click", () => onOpen(session.session_code));
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "danger";
  remove.textContent = "Delete";
  remove.setAttribute("aria-label", `Delete session ${session.session_code}`);
  remove.addEventListener("click", () => onDelete(session.session_code));
  const actions = document.createElement("div");
  actions.className = "history-actions";
  actions.append(open, remove);

  item.append(figure, text, actions);
  return item;
}

/** Show `sessions` in `list` (appending when `append`). */
export function renderHistory(list, sessions, append, onOpen, onDelete) {
  const cards = sessions.map((session) => sessionCard(session, onOpen, onDelete));
  if (append) list.append(...cards);
  else list.replaceChildren(...cards);
}
