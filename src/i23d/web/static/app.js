// The page's wiring: key, photo, options, progress, spins, 3D view, refine, downloads, history.

import { Api, followSession, isWorking } from "./api.js";
import { renderHistory, statusWords } from "./history.js";
import { imageFileFrom, readImageFile, urlFrom } from "./image.js";
import {
  ENTERPRISE_OPTIONS, OPTIONS, REFINE_ENTERPRISE_OPTIONS, fieldId, loadOptions, readOptions, renderOptions,
  resetOptions,
} from "./options.js";
import {
  animationNote, playClip, readAnimateForm, renderAnimateControls, renderClips, stopClips,
} from "./animate.js";
import { isRefined, loadViewer, readRefineGeometry, renderDownloads } from "./result.js";
import { clearSpins, markSpins, renderSpins, restSpins } from "./spins.js";
import { glbToStl, saveBlob } from "./stl.js";

const KEY_STORAGE = "i23d.apiKey";
const HISTORY_PAGE_SIZE = 8;
const PICKABLE_STATUSES = new Set([
  "spin_generate_done", "preview_done", "preview_failed", "refine_done", "refine_failed",
  "animate_done", "animate_failed",
]);
const MODEL_STATUSES = new Set(["preview_done", "refining", "refine_done", "refine_failed",
  "animating", "animate_done", "animate_failed"]);

const $ = (id) => document.getElementById(id);

const state = {
  api: null,
  tier: "",
  image: "", // the data: URI or http(s) URL sent as image_url
  session: null,
  follow: null, // AbortController of the session being followed (stream or polling)
  historyPage: 1,
  modelDims: null, // {x, y, z} of the model in the view, metres
  // Runs of work the page has seen on the current session: they name the spin set and the
  // model on show (the API re-signs download URLs on every read, so URLs cannot).
  runs: { code: "", status: "", spins: 0, model: 0 },
};

// ---- messages ---------------------------------------------------------------------------

function say(element, message, isError = false) {
  element.textContent = message;
  element.classList.toggle("is-error", isError);
  element.hidden = !message;
}

function showWorkError(message) {
  say($("error"), message, true);
}

// ---- API key ----------------------------------------------------------------------------

async function useKey(key) {
  const status = $("key-status");
  if (!key) {
    say(status, "Enter the API key that `i23d serve` printed.", true);
    return;
  }
  say(status, "Checking the key…");
  const api = new Api(key);
  try {
    state.tier = await api.keyTier();
  } catch (error) {
    state.api = null;
    renderTier();
    say(status, error.status === 401 ? "The server does not know this key. Check it and try again." : error.message, true);
    return;
  }
  state.api = api;
  localStorage.setItem(KEY_STORAGE, key);
  const tier = state.tier ? ` (${state.tier} tier)` : "";
  say(status, `Key accepted${tier}. It is kept in this browser for next time.`);
  renderTier();
  loadHistory(false);
}

const TIER_NOTES = {
  standard: "Topology, polycount and texture resolution are for enterprise keys; this key is standard tier.",
  "": "Enterprise keys only: a standard key that sets these is told so by the server, and the page then hides them.",
  enterprise: "",
};

/** Enterprise options are shown to enterprise keys, and to a new key until its tier is known. */
function offersEnterprise() {
  return Boolean(state.api) && state.tier !== "standard";
}

function renderTier() {
  $("enterprise-options").hidden = !offersEnterprise();
  $("refine-enterprise").hidden = !offersEnterprise();
  $("enterprise-note").textContent = state.api ? TIER_NOTES[state.tier] ?? "" : "";
}

// ---- photo ------------------------------------------------------------------------------

function showImage(src, caption) {
  const figure = $("image-figure");
  figure.hidden = !src;
  $("image-preview").src = src || "";
  $("image-caption").textContent = caption || "";
}

async function takeFile(file) {
  try {
    const image = await readImageFile(file);
    state.image = image.dataUrl;
    $("image-url").value = "";
    const size = `${image.width} × ${image.height} px`;
    showImage(image.dataUrl, `${file.name} · ${size}${image.scaled ? " (scaled down for upload)" : ""}`);
    say($("create-error-slot"), "");
  } catch (error) {
    state.image = "";
    showImage("", "");
    say($("create-error-slot"), error.message, true);
  }
}

function takeUrl(url) {
  state.image = url.trim();
  $("image-url").value = state.image;
  showImage(state.image, state.image ? "From the URL above" : "");
}

function imageNotShown() {
  if (state.image && !state.image.startsWith("data:")) {
    $("image-caption").textContent =
      "This browser cannot show that URL as an image; the server will still try to fetch it.";
  }
}

function wirePhotoInputs() {
  const zone = $("drop-zone");
  $("file-input").addEventListener("change", (event) => {
    const file = event.target.files[0];
    if (file) takeFile(file);
  });
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    const file = imageFileFrom(event.dataTransfer);
    if (file) takeFile(file);
    else if (urlFrom(event.dataTransfer)) takeUrl(urlFrom(event.dataTransfer));
    else say($("create-error-slot"), "That was not an image file or an image URL.", true);
  });
  document.addEventListener("paste", (event) => {
    const file = imageFileFrom(event.clipboardData);
    if (file) {
      event.preventDefault();
      takeFile(file);
    }
  });
  $("image-url").addEventListener("change", (event) => takeUrl(event.target.value));
  $("image-preview").addEventListener("error", imageNotShown);
}

// ---- creating a session -----------------------------------------------------------------

async function createSession(event) {
  event.preventDefault();
  const slot = $("create-error-slot");
  if (!state.api) {
    say(slot, "First enter your API key (step 1).", true);
    $("api-key").focus();
    return;
  }
  if (!state.image) {
    say(slot, "First choose a photo or give an image URL (step 2).", true);
    $("file-input").focus();
    return;
  }
  const base = readOptions($("options"), OPTIONS, "opt");
  if (base.error) {
    say(slot, base.error, true);
    base.control.focus();
    return;
  }
  const body = { image_url: state.image, ...base.body };
  if (offersEnterprise()) Object.assign(body, readOptions($("enterprise-fields"), ENTERPRISE_OPTIONS, "ent").body);
  say(slot, "");
  $("create-button").disabled = true;
  try {
    const session = await state.api.createSession(body);
    state.tier = session.tier_at_creation || state.tier;
    renderTier();
    startWatching(session);
    $("work").scrollIntoView({ behavior: "smooth", block: "start" });
  } catch (error) {
    if (error.status === 403) {
      state.tier = "standard";
      renderTier();
      say(slot, `${error.message} The enterprise options are hidden now: make the spins again without them.`, true);
    } else {
      say(slot, error.message, true);
    }
  } finally {
    $("create-button").disabled = false;
  }
}

// ---- following a session ----------------------------------------------------------------

function startWatching(session) {
  state.follow?.abort();
  const follow = new AbortController();
  state.follow = follow;
  showSession(session);
  if (!isWorking(session)) return;
  followSession(state.api, session.session_code, showSession, follow.signal)
    .then(() => {
      if (!follow.signal.aborted) loadHistory(false);
    })
    .catch((error) => {
      if (!follow.signal.aborted) showWorkError(error.message);
    });
}

function progressText(session) {
  const percent = Math.round(session.percent_done ?? 0);
  const stage = session.stage ? ` (${session.stage})` : "";
  const words = statusWords(session);
  return isWorking(session) ? `${words}${stage}… ${percent}%` : words;
}

/** Count the runs of spin and model work seen on this session (see `state.runs`). */
function noteRuns(session) {
  const runs = state.runs;
  if (runs.code !== session.session_code) {
    Object.assign(runs, { code: session.session_code, status: "", spins: 0, model: 0 });
    showPlacement(session);
    resetOptions($("refine-enterprise-fields"), REFINE_ENTERPRISE_OPTIONS, "ref");
  }
  if (runs.status === session.status) return;
  runs.status = session.status;
  if (session.status === "spin_generate_processing") runs.spins += 1;
  if (session.status === "training_preview" || session.status === "refining") runs.model += 1;
}

function showSession(session) {
  noteRuns(session);
  state.session = session;
  $("work").hidden = false;
  $("session-code").dataset.code = session.session_code;
  $("session-code").textContent = `Session ${session.session_code}`;
  $("progress-bar").value = session.percent_done ?? 0;
  $("progress-text").textContent = progressText(session);
  $("progress").classList.toggle("working", isWorking(session));
  showWorkError(session.status?.endsWith("_failed") ? failureText(session) : "");

  // While new spins are being made, the old ones are no longer offered.
  const spins = session.status === "spin_generate_processing" ? [] : session.spins ?? [];
  const list = $("spins");
  if (spins.length) renderSpins(list, spins, `${session.session_code}#${state.runs.spins}`, pickSpin);
  else clearSpins(list);
  $("spins-hint").hidden = !spins.length;
  markSpins(list, MODEL_STATUSES.has(session.status) || session.status === "training_preview"
    ? session.selected_spin_index : -1, PICKABLE_STATUSES.has(session.status));
  $("regenerate-button").hidden = !PICKABLE_STATUSES.has(session.status) && session.status !== "spin_generate_failed";

  showResult(session);
}

function failureText(session) {
  const reason = session.failure_reason || session.error || "";
  return `${statusWords(session)}.${reason ? ` ${reason}` : ""}`;
}

async function pickSpin(index) {
  const session = state.session;
  if (!session || !state.api) return;
  $("error").hidden = true;
  restSpins($("spins"), true);
  try {
    await state.api.preview(session.session_code, {
      selected_spin_index: index,
      selected_spin: session.spins[index].image_url,
    });
    const fresh = await state.api.getSession(session.session_code);
    startWatching(fresh);
  } catch (error) {
    showWorkError(error.message);
  }
}

async function regenerateSpins() {
  const session = state.session;
  if (!session) return;
  try {
    await state.api.regenerateSpins(session.session_code);
    startWatching(await state.api.getSession(session.session_code));
  } catch (error) {
    showWorkError(error.message);
  }
}

// ---- the model --------------------------------------------------------------------------

const viewerProblem = loadViewer();

function showResult(session) {
  const hasModel = Boolean(session.preview_mesh_url_glb || session.mesh_url_glb) &&
    (MODEL_STATUSES.has(session.status) || session.status === "refining");
  $("result").hidden = !hasModel;
  if (!hasModel) return;
  const refined = isRefined(session);
  const glb = refined ? session.mesh_url_glb : session.preview_mesh_url_glb;
  $("result-label").textContent = refined
    ? "The refined model."
    : `The preview, built from spin ${(session.selected_spin_index ?? 0) + 1}.`;
  renderDownloads($("downloads"), session, downloadStl);
  nameUnchangedChoices(session);
  $("refine-button").disabled = session.status === "refining";
  say($("refine-error"), session.status === "refine_failed" ? failureText(session) : "", true);
  showAnimation(session);
  if (isWorking(session)) return; // keep showing the current model until the new one is done
  const identity = `${session.session_code}#${state.runs.model}#${refined ? "refined" : "preview"}`;
  viewerProblem.then((problem) => {
    say($("viewer-missing"), problem, true);
    const viewer = $("viewer");
    viewer.hidden = Boolean(problem);
    if (problem || viewer.dataset.identity === identity) return;
    viewer.dataset.identity = identity;
    stopClips(viewer);
    viewer.dataset.model = `${session.session_code}:${refined ? "refined" : "preview"}`;
    viewer.setAttribute("src", glb);
  });
}

// ---- animation --------------------------------------------------------------------------

function showAnimation(session) {
  const working = isWorking(session);
  $("animate-button").disabled = working;
  const failed = session.status === "animate_failed";
  say($("animate-error"), failed ? animationNote(session) : "", true);
  say($("animate-status"), failed ? "" : animationNote(session));
  renderClips($("clips"), session, playAnimation);
}

function playAnimation(clip, url, button) {
  const viewer = $("viewer");
  for (const other of $("clips").querySelectorAll("button.play")) {
    other.setAttribute("aria-pressed", String(other === button));
  }
  playClip(viewer, url, clip, `${state.session.session_code}:${clip}`);
  $("still-button").hidden = false;
  viewer.scrollIntoView({ behavior: "smooth", block: "center" });
}

function showStill() {
  const session = state.session;
  if (!session) return;
  const viewer = $("viewer");
  stopClips(viewer);
  delete viewer.dataset.identity; // showResult loads the still model again
  $("still-button").hidden = true;
  for (const button of $("clips").querySelectorAll("button.play")) button.setAttribute("aria-pressed", "false");
  showResult(session);
}

async function animate(event) {
  event.preventDefault();
  const session = state.session;
  if (!session) return;
  const form = readAnimateForm($("animate-form"));
  if (form.error) {
    say($("animate-error"), form.error, true);
    form.control.focus();
    return;
  }
  say($("animate-error"), "");
  $("animate-button").disabled = true;
  try {
    await state.api.animate(session.session_code, form.body);
    startWatching(await state.api.getSession(session.session_code));
  } catch (error) {
    say($("animate-error"), error.message, true);
    $("animate-button").disabled = false;
  }
}

async function downloadStl(glbUrl, button) {
  button.disabled = true;
  say($("download-status"), "Writing the STL…");
  try {
    saveBlob(await glbToStl(glbUrl), "mesh.stl");
    say($("download-status"), "");
  } catch (error) {
    say($("download-status"), error.message, true);
  } finally {
    button.disabled = false;
  }
}

/** Name the session's value in each refine select's "Unchanged" choice, e.g. "Unchanged
 * (Triangles)"; the session echoes the value in effect even where none was chosen. */
function nameUnchangedChoices(session) {
  for (const option of REFINE_ENTERPRISE_OPTIONS) {
    const value = String(session[option.name] ?? "");
    const choice = option.choices.find(([key]) => key === value && key !== "");
    const unchanged = $(fieldId("ref", option.name)).options[0];
    unchanged.textContent = choice ? `Unchanged (${choice[1]})` : "Unchanged";
  }
}

function onModelLoaded() {
  const viewer = $("viewer");
  viewer.dataset.loaded = viewer.dataset.model;
  if (viewer.hasAttribute("animation-name")) return; // a clip: the still model's sizes stay
  const dims = viewer.getDimensions();
  state.modelDims = { x: dims.x, y: dims.y, z: dims.z };
  const round = (value) => String(Math.round(value * 1000) / 1000);
  $("size-x").value = round(dims.x);
  $("size-y").value = round(dims.y);
  $("size-z").value = round(dims.z);
}

/** Put the session's remembered pivot into the refine form (sizes follow the loaded model). */
function showPlacement(session) {
  const pivot = (session.pivot_point ?? [0, 0, 0]).map(Number);
  const preset = [...$("pivot-preset").options].find((option) => option.value === pivot.join(","));
  $("pivot-preset").value = preset ? preset.value : "custom";
  $("pivot-custom").hidden = Boolean(preset);
  ["x", "y", "z"].forEach((axis, index) => {
    $(`pivot-${axis}`).value = String(pivot[index]);
  });
}

function keepProportions(event) {
  if (!$("size-lock").checked || !state.modelDims) return;
  const axis = event.target.id.slice(-1);
  const value = Number(event.target.value);
  if (!(value > 0)) return;
  const factor = value / state.modelDims[axis];
  for (const other of ["x", "y", "z"]) {
    if (other !== axis) $(`size-${other}`).value = String(Math.round(state.modelDims[other] * factor * 1000) / 1000);
  }
}

async function refine(event) {
  event.preventDefault();
  const session = state.session;
  if (!session) return;
  const geometry = readRefineGeometry(
    ["x", "y", "z"].map((axis) => $(`size-${axis}`)),
    $("pivot-preset"),
    ["x", "y", "z"].map((axis) => $(`pivot-${axis}`)),
  );
  if (geometry.error) {
    say($("refine-error"), geometry.error, true);
    geometry.control.focus();
    return;
  }
  const body = geometry.body;
  if (offersEnterprise()) {
    Object.assign(body, readOptions($("refine-enterprise-fields"), REFINE_ENTERPRISE_OPTIONS, "ref").body);
  }
  say($("refine-error"), "");
  $("refine-button").disabled = true;
  try {
    await state.api.refine(session.session_code, body);
    // The session now holds the choices: "Unchanged" names them from here on.
    resetOptions($("refine-enterprise-fields"), REFINE_ENTERPRISE_OPTIONS, "ref");
    startWatching(await state.api.getSession(session.session_code));
  } catch (error) {
    if (error.status === 403) {
      state.tier = "standard";
      renderTier();
      say($("refine-error"), `${error.message} The enterprise options are hidden now: refine again without them.`, true);
    } else {
      say($("refine-error"), error.message, true);
    }
    $("refine-button").disabled = false;
  }
}

// ---- history ----------------------------------------------------------------------------

async function loadHistory(more) {
  if (!state.api) return;
  state.historyPage = more ? state.historyPage + 1 : 1;
  const status = $("history-status");
  try {
    const sessions = await state.api.listSessions(HISTORY_PAGE_SIZE, state.historyPage);
    renderHistory($("history-list"), sessions, more, openSession, deleteSession);
    $("history-more").hidden = sessions.length < HISTORY_PAGE_SIZE;
    const shown = $("history-list").children.length;
    say(status, shown ? "" : "No sessions yet: make one above.");
  } catch (error) {
    say(status, error.message, true);
  }
}

async function openSession(code) {
  try {
    startWatching(await state.api.getSession(code));
    $("work").scrollIntoView({ behavior: "smooth", block: "start" });
    $("work-title").focus();
  } catch (error) {
    say($("history-status"), error.message, true);
  }
}

async function deleteSession(code) {
  if (!window.confirm(`Delete session ${code} and all its files? This cannot be undone.`)) return;
  try {
    await state.api.deleteSession(code);
    if (state.session?.session_code === code) {
      state.follow?.abort();
      state.session = null;
      clearSpins($("spins"));
      $("work").hidden = true;
      $("result").hidden = true;
    }
    say($("history-status"), `Deleted session ${code}.`);
    loadHistory(false);
  } catch (error) {
    say($("history-status"), error.message, true);
  }
}

// ---- start ------------------------------------------------------------------------------

async function start() {
  // Every form is handled here: one submitted while the options still load, before its
  // handler below is wired, must not reload the page and lose what was typed.
  for (const form of document.querySelectorAll("form")) {
    form.addEventListener("submit", (event) => event.preventDefault());
  }
  $("key-form").addEventListener("submit", () => useKey($("api-key").value.trim()));
  try {
    await loadOptions();
  } catch (error) {
    say($("key-status"), error.message, true);
    return;
  }
  renderOptions($("options"), OPTIONS, "opt");
  renderOptions($("enterprise-fields"), ENTERPRISE_OPTIONS, "ent");
  renderOptions($("refine-enterprise-fields"), REFINE_ENTERPRISE_OPTIONS, "ref");
  renderAnimateControls($("animate-form").querySelector("fieldset"), $("rig-choice"));
  const slot = document.createElement("p");
  slot.id = "create-error-slot";
  slot.className = "error";
  slot.setAttribute("role", "alert");
  slot.hidden = true;
  $("create-form").querySelector(".actions").before(slot);

  $("key-reveal").addEventListener("click", (event) => {
    const input = $("api-key");
    const reveal = input.type === "password";
    input.type = reveal ? "text" : "password";
    event.target.textContent = reveal ? "Hide" : "Show";
    event.target.setAttribute("aria-pressed", String(reveal));
  });
  wirePhotoInputs();
  $("create-form").addEventListener("submit", createSession);
  $("regenerate-button").addEventListener("click", regenerateSpins);
  $("viewer").addEventListener("load", onModelLoaded);
  $("viewer").addEventListener("error", () =>
    say($("viewer-missing"), "The 3D model could not be loaded into the view; the downloads still work.", true));
  for (const axis of ["x", "y", "z"]) $(`size-${axis}`).addEventListener("input", keepProportions);
  $("pivot-preset").addEventListener("change", (event) => {
    $("pivot-custom").hidden = event.target.value !== "custom";
  });
  $("refine-form").addEventListener("submit", refine);
  $("animate-form").addEventListener("submit", animate);
  $("still-button").addEventListener("click", showStill);
  $("history-refresh").addEventListener("click", () => loadHistory(false));
  $("history-more").addEventListener("click", () => loadHistory(true));
  $("work-title").tabIndex = -1;

  const saved = localStorage.getItem(KEY_STORAGE);
  if (saved) {
    $("api-key").value = saved;
    useKey(saved);
  }
}

start();
