// The spins side by side as looping videos, the chooser's pick marked, each one a button.

/** The index of the chooser's pick: the spin with the best score (ties: the first). */
export function suggestedSpin(spins) {
  let best = 0;
  spins.forEach((spin, index) => {
    if ((spin.score ?? -Infinity) > (spins[best].score ?? -Infinity)) best = index;
  });
  return best;
}

function capitalized(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : "";
}

function spinTile(spin, index, suggested, onPick) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "spin";
  button.dataset.index = String(index);
  const name = capitalized(spin.prior || spin.name || "");
  const title = name ? `Spin ${index + 1} · ${name}` : `Spin ${index + 1}`;
  button.setAttribute(
    "aria-label",
    `${title}${index === suggested ? ", suggested" : ""}: build the 3D model from this spin`,
  );
  if (spin.reason) button.title = spin.reason;

  const video = document.createElement("video");
  Object.assign(video, { muted: true, loop: true, autoplay: true, playsInline: true });
  video.preload = "auto";
  video.setAttribute("muted", "");
  video.setAttribute("aria-hidden", "true");
  if (spin.still_url || spin.still_png_url) video.poster = spin.still_url || spin.still_png_url;
  video.src = spin.image_url;

  const caption = document.createElement("span");
  caption.className = "spin-caption";
  caption.textContent = title;
  button.append(video, caption);
  if (index === suggested) {
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = "Suggested";
    button.append(badge);
    button.classList.add("suggested");
  }
  button.addEventListener("click", () => onPick(index));
  // Once a spin is picked the tiles stop, to leave the processor to the model; a tile still
  // plays while it is pointed at or focused.
  const resume = () => video.play().catch(() => {});
  const rest = () => {
    if (button.closest(".spins")?.classList.contains("resting")) video.pause();
  };
  button.addEventListener("pointerenter", resume);
  button.addEventListener("focus", resume);
  button.addEventListener("pointerleave", rest);
  button.addEventListener("blur", rest);
  item.append(button);
  return item;
}

/**
 * Show `spins` in `list` unless the set called `identity` is already shown (download URLs are
 * re-signed on every read, so they cannot tell two sets apart); returns whether it redrew.
 */
export function renderSpins(list, spins, identity, onPick) {
  if (list.dataset.identity === identity) return false;
  list.dataset.identity = identity;
  list.classList.remove("resting");
  const suggested = spins.length ? suggestedSpin(spins) : -1;
  list.replaceChildren(...spins.map((spin, index) => spinTile(spin, index, suggested, onPick)));
  return true;
}

/** Mark the spin the current model is built from, and enable or disable picking. */
export function markSpins(list, selectedIndex, pickable) {
  for (const button of list.querySelectorAll("button.spin")) {
    const selected = Number(button.dataset.index) === selectedIndex;
    button.setAttribute("aria-pressed", String(selected));
    button.disabled = !pickable;
  }
}

/** Stop the spins' videos (after a pick), or set them all playing again. */
export function restSpins(list, resting) {
  list.classList.toggle("resting", resting);
  for (const video of list.querySelectorAll("video")) {
    if (resting) video.pause();
    else video.play().catch(() => {});
  }
}

/** Forget the shown spins. */
export function clearSpins(list) {
  delete list.dataset.identity;
  list.replaceChildren();
}
