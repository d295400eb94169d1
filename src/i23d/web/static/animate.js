// Animate: ask for walk / run / jump clips of the model on show, play each in the 3D view
// (model-viewer plays a GLB's named clip with `animation-name` and `autoplay`), download them.

import { ANIMATE_OPTIONS, valueWords } from "./options.js";

/** The clips the server makes, each `[name, words]`, in its order. */
function clips() {
  return ANIMATE_OPTIONS.animations.choices.map((clip) => [clip, valueWords("animations", clip)]);
}

/** Build the clip checkboxes into `fieldset` and the skeleton choices into `select`. */
export function renderAnimateControls(fieldset, select) {
  const boxes = clips().map(([clip, words]) => {
    const label = document.createElement("label");
    label.className = "check";
    const input = Object.assign(document.createElement("input"), {
      id: `clip-${clip}`,
      type: "checkbox",
      checked: ANIMATE_OPTIONS.animations.default.includes(clip),
    });
    label.append(input, ` ${words}`);
    return label;
  });
  fieldset.querySelectorAll("label.check").forEach((label) => label.remove());
  fieldset.append(...boxes);
  const rig = ANIMATE_OPTIONS.rig;
  select.replaceChildren(
    ...rig.choices.map((value) => new Option(valueWords("rig", value), value, value === rig.default, value === rig.default)),
  );
}

const ANIMATE_STATUSES = new Set(["animating", "animate_done", "animate_failed"]);

/** The animate request body from the form: `{ body }`, or `{ error, control }`. */
export function readAnimateForm(form) {
  const animations = clips().map(([clip]) => clip).filter((clip) => form.querySelector(`#clip-${clip}`).checked);
  if (!animations.length) {
    return { error: "Choose at least one clip.", control: form.querySelector(`#clip-${clips()[0][0]}`) };
  }
  return { body: { animations, rig: form.querySelector("#rig-choice").value } };
}

/** Words for the animation state of a session, or "" when it has never been animated. */
export function animationNote(session) {
  if (!ANIMATE_STATUSES.has(session.status)) return "";
  if (session.status === "animating") return "Rigging the model and making the clips…";
  if (session.status === "animate_failed") return `Animating failed. ${session.failure_reason || ""}`.trim();
  return "The clips are ready: play one in the view, or download it.";
}

/**
 * Fill `list` with, per clip the session has, a "Play" button (`onPlay(clip, url)`) and its
 * GLB and FBX downloads; clips not made are left out.
 */
export function renderClips(list, session, onPlay) {
  const items = [];
  for (const [clip, label] of clips()) {
    const glb = session[`animated_${clip}_url`];
    if (!glb) continue;
    const item = document.createElement("li");
    item.className = "clip";
    item.dataset.clip = clip;
    const play = document.createElement("button");
    play.type = "button";
    play.className = "secondary play";
    play.dataset.clip = clip;
    play.textContent = `Play ${label.toLowerCase()}`;
    play.setAttribute("aria-pressed", "false");
    play.addEventListener("click", () => onPlay(clip, glb, play));
    item.append(play);
    for (const [format, url] of [["glb", glb], ["fbx", session[`animated_${clip}_url_fbx`]]]) {
      if (!url) continue;
      const link = document.createElement("a");
      link.className = "download";
      link.href = url;
      link.download = "";
      link.dataset.format = format;
      link.dataset.clip = clip;
      link.textContent = `${label} ${format.toUpperCase()}`;
      link.setAttribute("aria-label", `Download the ${clip} clip as ${format.toUpperCase()}`);
      item.append(link);
    }
    items.push(item);
  }
  list.replaceChildren(...items);
}

/** Show `clip` of the GLB at `url` playing in `viewer`; `model` names it in data-model. */
export function playClip(viewer, url, clip, model) {
  viewer.setAttribute("animation-name", clip);
  viewer.setAttribute("autoplay", "");
  viewer.dataset.model = model;
  viewer.setAttribute("src", url);
}

/** Stop playing clips: the still model comes back at the next `src`. */
export function stopClips(viewer) {
  viewer.removeAttribute("animation-name");
  viewer.removeAttribute("autoplay");
}
