// The finished model: the 3D view, the download links, and the refine form's values.

const VIEWER_MODULE = "/web/vendor/model-viewer/model-viewer.min.js";

/** Download formats: the URL field's suffix, the button's text, what the format is for. */
export const FORMATS = [
  ["glb", "GLB", "web, Blender, three.js"],
  ["usdz", "USDZ", "Apple AR Quick Look"],
  ["fbx", "FBX", "Unity, Unreal, Maya"],
  ["zip", "OBJ zip", "OBJ + MTL + texture"],
  ["3mf", "3MF", "3D printing"],
];
const STL = ["stl", "STL", "3D printing, no colour"];

/** Load the vendored viewer; resolves to "" or to a sentence saying why it is missing. */
export async function loadViewer() {
  try {
    await import(VIEWER_MODULE);
    return "";
  } catch {
    return (
      "The 3D viewer is not installed on this server, so the model cannot be shown here " +
      "(the downloads below still work). To install it, run `bash scripts/setup.sh`, which runs " +
      "`npm ci` in src/i23d/web, then restart `i23d serve`."
    );
  }
}

const PREVIEW_STATUSES = new Set(["training_preview", "preview_done", "preview_failed"]);

/** Whether the model to show is the refined mesh (`mesh_url_*`) rather than the preview. */
export function isRefined(session) {
  return !PREVIEW_STATUSES.has(session.status) && Boolean(session.mesh_url_glb);
}

/** The URL of `format` for the model shown: the refined mesh if there is one, else the preview. */
export function modelUrl(session, format) {
  const key = isRefined(session) ? `mesh_url_${format}` : `preview_mesh_url_${format}`;
  return session[key] || "";
}

function downloadFace(element, label, use) {
  const strong = document.createElement("strong");
  strong.textContent = label;
  const hint = document.createElement("span");
  hint.className = "hint";
  hint.textContent = use;
  element.append(strong, hint);
}

/**
 * Fill `list` with one download link per API format, plus an STL button that `onStl(glbUrl)`
 * writes in the browser from the GLB. Formats the session lacks say so.
 */
export function renderDownloads(list, session, onStl) {
  const what = isRefined(session) ? "refined" : "preview";
  const items = FORMATS.map(([format, label, use]) => {
    const item = document.createElement("li");
    const url = modelUrl(session, format);
    if (url) {
      const link = document.createElement("a");
      link.className = "download";
      link.href = url;
      link.download = "";
      link.dataset.format = format;
      downloadFace(link, label, use);
      link.setAttribute("aria-label", `Download the ${what} model as ${label} (${use})`);
      item.append(link);
    } else {
      item.className = "download missing";
      item.textContent = `${label}: not available for this model`;
    }
    return item;
  });
  const [format, label, use] = STL;
  const stlItem = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "download";
  button.dataset.format = format;
  downloadFace(button, label, use);
  button.setAttribute("aria-label", `Download the ${what} model as ${label} (${use})`);
  button.addEventListener("click", () => onStl(modelUrl(session, "glb"), button));
  stlItem.append(button);
  list.replaceChildren(...items, stlItem);
}

/** Read a triple of number inputs; `check(value)` says what is wrong with a value or "". */
function readTriple(inputs, check) {
  const values = [];
  for (const input of inputs) {
    const value = Number(input.value);
    const problem = input.value === "" ? "is empty" : check(value);
    if (problem) return { error: problem, control: input };
    values.push(value);
  }
  return { values };
}

/**
 * The refine body's `scaled_bbox` and `pivot_point` from the form, or `{ error, control }`.
 * An untouched size (all three empty) leaves the model unscaled.
 */
export function readRefineGeometry(sizeInputs, pivotPreset, pivotInputs) {
  const body = {};
  if (sizeInputs.some((input) => input.value !== "")) {
    const size = readTriple(sizeInputs, (v) => (Number.isFinite(v) && v > 0 ? "" : "must be a positive number of metres"));
    if (size.error) return { error: `Each size ${size.error}.`, control: size.control };
    body.scaled_bbox = size.values;
  }
  if (pivotPreset.value === "custom") {
    const pivot = readTriple(pivotInputs, (v) => (v >= -0.5 && v <= 0.5 ? "" : "must be from -0.5 to 0.5"));
    if (pivot.error) return { error: `Each pivot coordinate ${pivot.error}.`, control: pivot.control };
    body.pivot_point = pivot.values;
  } else {
    body.pivot_point = pivotPreset.value.split(",").map(Number);
  }
  return { body };
}
