// STL, written in the browser from the model's GLB with three.js's own loader and exporter
// (the API serves GLB, USDZ, FBX, OBJ zip and 3MF; STL is the GLB's triangles, metres, +Y up).

const UNAVAILABLE =
  "STL export needs three.js, which is not installed on this server: run `bash scripts/setup.sh` " +
  "(it runs `npm ci` in src/i23d/web), then restart `i23d serve`.";

/** A binary STL Blob of the GLB at `glbUrl`. */
export async function glbToStl(glbUrl) {
  let GLTFLoader;
  let STLExporter;
  try {
    ({ GLTFLoader } = await import("three/addons/loaders/GLTFLoader.js"));
    ({ STLExporter } = await import("three/addons/exporters/STLExporter.js"));
  } catch {
    throw new Error(UNAVAILABLE);
  }
  const gltf = await new GLTFLoader().loadAsync(glbUrl);
  const view = new STLExporter().parse(gltf.scene, { binary: true });
  return new Blob([view.buffer], { type: "model/stl" });
}

/** Save `blob` as a file called `name`. */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement("a"), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
