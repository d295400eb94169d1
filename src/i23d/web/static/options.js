// The create-session options of the API (seed "Create Session"), their allowed values and
// defaults, and the form controls that make an invalid choice impossible or explain it.

/** Options every key may send. */
export const OPTIONS = [
  {
    name: "preview_mesh",
    label: "Preview mesh",
    kind: "choice",
    default: "turbo",
    choices: [
      ["turbo", "Turbo (fast)"],
      ["hd", "HD (finer, slower)"],
    ],
  },
  {
    name: "model_resolution",
    label: "Model resolution",
    kind: "choice",
    default: "high",
    choices: [
      ["high", "High (every detail)"],
      ["low", "Low (¼ of the faces)"],
    ],
  },
  {
    name: "pixel_alignment",
    label: "Pixel alignment",
    kind: "choice",
    default: "highest",
    choices: [
      ["highest", "Highest (exact outline)"],
      ["moderate", "Moderate (smoothed)"],
      ["lowest", "Lowest (smoothest)"],
    ],
  },
  {
    name: "diffusion_time_steps",
    label: "Diffusion time steps",
    kind: "integer",
    default: 20,
    min: 16,
    max: 200,
    help: "More steps give smoother surfaces and take a little longer.",
  },
  {
    name: "auto_gen_3d",
    label: "Build the model from the suggested spin straight away",
    kind: "boolean",
    default: false,
  },
];

/** Options only enterprise keys may send; "" means the server's default. */
export const ENTERPRISE_OPTIONS = [
  {
    name: "topology",
    label: "Topology",
    kind: "choice",
    default: "",
    choices: [
      ["", "Server default"],
      ["tris", "Triangles"],
      ["quads", "Quads"],
    ],
  },
  {
    name: "resolution",
    label: "Polycount",
    kind: "choice",
    default: "",
    choices: [
      ["", "Server default"],
      ["low_poly", "Low poly"],
      ["high_poly", "High poly"],
    ],
  },
  {
    name: "texture_resolution",
    label: "Texture resolution",
    kind: "choice",
    default: "",
    numeric: true,
    choices: [
      ["", "Server default"],
      ...[128, 256, 512, 1024, 2048].map((px) => [String(px), `${px} × ${px} px`]),
    ],
  },
];

/**
 * The enterprise options as the refine form offers them: "" sends nothing, so the refine keeps
 * the session's value (the page names that value in the option's text).
 */
export const REFINE_ENTERPRISE_OPTIONS = ENTERPRISE_OPTIONS.map((option) => ({
  ...option,
  choices: [["", "Unchanged"], ...option.choices.filter(([value]) => value !== "")],
}));

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
