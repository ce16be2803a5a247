/**
 * Own avatar pictures: cropped to a centred square and scaled down in the renderer, so the
 * original (with its metadata) never leaves the machine, then encoded as PNG. The canvas part is
 * injectable (`ImageResizer`) so that state tests run without a real canvas; the geometry and the
 * PNG header check are pure.
 */

export const AVATAR_MAX = 192

/** The centred square of a w×h picture and the size it is drawn at (never upscaled). */
export function squareCrop(width: number, height: number, max = AVATAR_MAX): { sx: number; sy: number; side: number; size: number } {
  const side = Math.max(1, Math.min(width, height))
  return { sx: Math.floor((width - side) / 2), sy: Math.floor((height - side) / 2), side, size: Math.max(1, Math.min(max, side)) }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

/** Width and height from a PNG's IHDR chunk, or null when the bytes are not a PNG. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.length < 24) return null
  for (let i = 0; i < PNG_SIGNATURE.length; i++) if (bytes[i] !== PNG_SIGNATURE[i]) return null
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return null
  return { width: view.getUint32(16), height: view.getUint32(20) }
}

/** Turns a picture into PNG bytes of at most max×max. */
export type ImageResizer = (file: Blob, max: number) => Promise<Uint8Array>

/** The real one: decode (createImageBitmap), crop and draw on a canvas, encode as PNG. */
export const canvasResizer: ImageResizer = async (file, max) => {
  const bitmap = await createImageBitmap(file)
  try {
    const { sx, sy, side, size } = squareCrop(bitmap.width, bitmap.height, max)
    const canvas = document.createElement('canvas')
    canvas.width = size
    canvas.height = size
    const ctx = canvas.getContext('2d')
    if (!ctx) throw new Error('No 2D canvas')
    ctx.imageSmoothingEnabled = true
    ctx.imageSmoothingQuality = 'high'
    ctx.drawImage(bitmap, sx, sy, side, side, 0, 0, size, size)
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'))
    if (!blob) throw new Error('The picture could not be encoded')
    return new Uint8Array(await blob.arrayBuffer())
  } finally {
    bitmap.close()
  }
}
