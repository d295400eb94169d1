// Turning the photo a person drops, chooses or pastes into the `data:` URI the API accepts.

/** Photos larger than this on their longest side are scaled down before upload. */
export const MAX_UPLOAD_SIDE = 2048;

function readAsDataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(new Error("The file could not be read."));
    reader.readAsDataURL(blob);
  });
}

/**
 * Read an image file as `{ dataUrl, width, height, scaled }`. Photos over MAX_UPLOAD_SIDE are
 * scaled down in the browser (PNG stays PNG so its transparency is kept; others become JPEG).
 */
export async function readImageFile(file) {
  if (!file.type.startsWith("image/")) {
    throw new Error(`“${file.name}” is not an image: choose a PNG, JPEG or WebP photo.`);
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error(`This browser cannot read “${file.name}”: choose a PNG, JPEG or WebP photo.`);
  }
  const { width, height } = bitmap;
  const longest = Math.max(width, height);
  if (longest <= MAX_UPLOAD_SIDE) {
    bitmap.close();
    return { dataUrl: await readAsDataUrl(file), width, height, scaled: false };
  }
  const factor = MAX_UPLOAD_SIDE / longest;
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(width * factor);
  canvas.height = Math.round(height * factor);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const type = file.type === "image/png" ? "image/png" : "image/jpeg";
  return { dataUrl: canvas.toDataURL(type, 0.92), width: canvas.width, height: canvas.height, scaled: true };
}

/** The first image file in a DataTransfer (a drop or a paste), or null. */
export function imageFileFrom(transfer) {
  for (const file of transfer?.files ?? []) {
    if (file.type.startsWith("image/")) return file;
  }
  return null;
}

/** An http(s) URL carried by a DataTransfer (an image dragged from another page), or "". */
export function urlFrom(transfer) {
  const text = (transfer?.getData("text/uri-list") || transfer?.getData("text/plain") || "").trim();
  const first = text.split(/\r?\n/).find((line) => line && !line.startsWith("#")) ?? "";
  return /^https?:\/\//i.test(first) ? first : "";
}
