// The create-session options of the API (seed "Create Session") and the form controls that make
// an invalid choice impossible or explain it. Which options exist, their allowed values and
// defaults come from the server (`GET /options`, read from the engine's option types); this page
// only adds the words it shows for them.

/** The words for each option and value; a value without words is shown as it is. */
const WORDS = {
  preview_mesh: { label: "Preview mesh", values: { turbo: "Turbo (fast)", hd: "HD (finer, slower)" } },
  model_resolution: { label: "Model resolution", values: { high: "High (every detail)", low: "Low (¼ of the faces)" } },
  pixel_alignment: {
    label: "Pixel alignment",
    values: { highest: "Highest (exact outline)", moderate: "Moderate (smoothed)", lowest: "Lowest (smoothest)" },
  },
  diffusion_time_steps: {
    label: "Diffusion time steps",
    help: "More steps give smoother surfaces and take a little longer.",
  },
  auto_gen_3d: { label: "Build the model from the suggested spin straight away" },
  topology: { label: "Topology", values: { tris: "Triangles", quads: "Quads" } },
  resolution: { label: "Polycount", values: { low_poly: "Low poly", high_poly: "High poly" } },
  texture_resolution: { label: "Texture resolution", valueWords: (px) => `${px} × ${px} px` },
  animations: { values: { walk: "Walk", run: "Run", jump: "Jump" } },
  rig: {
    values: { auto: "found from the model", biped: "two legs (biped)", quadruped: "four legs (quadruped)" },
  },
};

/** Options every key may send (filled by `loadOptions`). */
export const OPTIONS = [];

/** Options only enterprise keys may send; "" means the server's default (filled by `loadOptions`). */
export const ENTERPRISE_OPTIONS = [];

/**
 * The enterprise options as the refine form offers them: "" sends nothing, so the refine keeps
 * the session's value (the page names that value in the option's text).
 */
export const REFINE_ENTERPRISE_OPTIONS = [];

/** The animate call's options by name, `animations` and `rig` (filled by `loadOptions`). */
export const ANIMATE_OPTIONS = {};

/** The words shown for `value` of option `name`. */
export function valueWords(name, value) {
  const words = WORDS[name] ?? {};
  return words.values?.[value] ?? (words.valueWords ? words.valueWords(value) : String(value));
}

/** A form control's description of one option the server lists. */
function describe(option) {
  const words = WORDS[option.name] ?? {};
  const described = { name: option.name, label: words.label ?? option.name, kind: option.type };
  if (option.type === "integer") return { ...described, min: option.min, max: option.max, default: option.default, help: words.help ?? "" };
  if (option.type === "boolean") return { ...described, default: option.default };
  const choices = option.choices.map((value) => [String(value), valueWords(option.name, value)]);
  const numeric = option.choices.every((value) => typeof value === "number");
  if (option.default === null) {
    return { ...described, default: "", numeric, choices: [["", "Server default"], ...choices] };
  }
  return { ...described, default: String(option.default), numeric, choices };
}

/** Ask the server for its options and fill `OPTIONS`, `ENTERPRISE_OPTIONS`,
 * `REFINE_ENTERPRISE_OPTIONS` and `ANIMATE_OPTIONS`. */
export async function loadOptions() {
  let answer;
  try {
    const response = await fetch("/options");
    answer = (await response.json()).data;
  } catch {
    throw new Error("The server's options could not be read. Is `i23d serve` still running?");
  }
  for (const option of answer.create) {
    const control = describe(option);
    if (!option.enterprise) {
      OPTIONS.push(control);
      continue;
    }
    ENTERPRISE_OPTIONS.push(control);
    REFINE_ENTERPRISE_OPTIONS.push({
      ...control,
      choices: [["", "Unchanged"], ...control.choices.filter(([value]) => value !== "")],
    });
  }
  for (const option of answer.animate) ANIMATE_OPTIONS[option.name] = option;
}

/** The id `renderOptions` gives the control of option `name` under `prefix`. */
export function fieldId(prefix, name) {
  return `${prefix}-${name.replaceAll("_", "-")}`;
}

function choiceControl(option, id) {
  const select = document.createElement("select");
  select.id = id;
  select.name = option.name;
  for (const [value, text] of option.choices) {
    const element = new Option(text, value, value === option.default, value === option.default);
    select.append(element);
  }
  return select;
}

function integerControl(option, id) {
  const input = document.createElement("input");
  Object.assign(input, {
    id,
    name: option.name,
    type: "number",
    min: option.min,
    max: option.max,
    step: 1,
    value: option.default,
    required: true,
    inputMode: "numeric",
  });
  return input;
}

/** Build labelled controls for `options` into `container`, ids prefixed with `prefix`. */
export function renderOptions(container, options, prefix) {
  container.replaceChildren();
  for (const option of options) {
    const id = fieldId(prefix, option.name);
    const wrap = document.createElement("div");
    wrap.className = option.kind === "boolean" ? "option check" : "option";
    if (option.kind === "boolean") {
      const label = document.createElement("label");
      const input = Object.assign(document.createElement("input"), {
        id,
        name: option.name,
        type: "checkbox",
        checked: option.default,
      });
      label.append(input, ` ${option.label}`);
      wrap.append(label);
    } else {
      const label = Object.assign(document.createElement("label"), { htmlFor: id });
      label.textContent = option.label;
      const control = option.kind === "choice" ? choiceControl(option, id) : integerControl(option, id);
      wrap.append(label, control);
      if (option.kind === "integer") {
        const help = document.createElement("span");
        help.className = "hint";
        help.id = `${id}-help`;
        help.textContent = `A whole number from ${option.min} to ${option.max} (default ${option.default}). ${option.help}`;
        control.setAttribute("aria-describedby", help.id);
        wrap.append(help);
      }
    }
    container.append(wrap);
  }
}

/** Put every control built by `renderOptions` back to its option's default. */
export function resetOptions(container, options, prefix) {
  for (const option of options) {
    const control = container.querySelector(`#${fieldId(prefix, option.name)}`);
    if (option.kind === "boolean") control.checked = option.default;
    else control.value = String(option.default);
  }
}

/**
 * Read the controls built by `renderOptions` into an API body. Values left at "" (server
 * default) are left out. Returns `{ body }` or `{ error, control }` naming what is wrong.
 */
export function readOptions(container, options, prefix) {
  const body = {};
  for (const option of options) {
    const control = container.querySelector(`#${fieldId(prefix, option.name)}`);
    if (option.kind === "boolean") {
      body[option.name] = control.checked;
    } else if (option.kind === "integer") {
      const value = Number(control.value);
      if (control.value === "" || !Number.isInteger(value) || value < option.min || value > option.max) {
        return {
          error: `${option.label} must be a whole number from ${option.min} to ${option.max}.`,
          control,
        };
      }
      body[option.name] = value;
    } else if (control.value !== "") {
      body[option.name] = option.numeric ? Number(control.value) : control.value;
    }
  }
  return { body };
}
