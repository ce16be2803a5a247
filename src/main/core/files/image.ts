import { crc32 } from 'node:zlib'
import { CoreError } from '../errors'

export type ImageType = 'png' | 'jpeg' | 'gif' | 'webp'

export interface ImageInfo {
  type: ImageType
  mime: `image/${ImageType}`
  width: number
  height: number
}

export interface ImageLimits {
  /** Bytes of the encoded file. */
  maxBytes?: number
  /** Pixels along either side. */
  maxSide?: number
  /** width × height: what a decoder allocates (4 bytes each) before drawing anything. */
  maxPixels?: number
  /** Animation frames (GIF, APNG, WebP): each one is decoded in turn. */
  maxFrames?: number
}

/**
 * Defaults for images shown inline. 16,384 px is Chromium's own texture limit; 40 megapixels is
 * 160 MB of RGBA, already more than a chat preview deserves. Decompression bombs (a few KB of PNG
 * declaring 100,000 × 100,000) are refused from their header, before anything is decoded.
 */
export const IMAGE_LIMITS: Required<ImageLimits> = { maxBytes: 20 * 1024 * 1024, maxSide: 16_384, maxPixels: 40_000_000, maxFrames: 1_000 }

export const IMAGE_MIME: Record<ImageType, `image/${ImageType}`> = { png: 'image/png', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp' }

function refuse(condition: string, detail: string): CoreError {
  return new CoreError('bad-input', detail, { condition })
}

/**
 * Identifies a PNG, JPEG, GIF or WebP from its magic bytes and reads its dimensions from its own
 * headers (no decoder runs in the main process). Everything else is refused: SVG above all, since it
 * is markup that can carry scripts and external references, and any format our renderer would hand
 * to a less hardened decoder. Throws a `bad-input` CoreError whose `condition` says why:
 * `not-an-image`, `svg-refused`, `truncated`, `too-large`, `dimensions-too-large`, `too-many-frames`.
 */
export function inspectImage(bytes: Uint8Array, limits: ImageLimits = {}): ImageInfo {
  const l = { ...IMAGE_LIMITS, ...limits }
  if (bytes.length > l.maxBytes) throw refuse('too-large', `The image is ${bytes.length} bytes; at most ${l.maxBytes} are accepted`)
  const type = magicType(bytes)
  if (!type) {
    if (looksLikeSvg(bytes)) throw refuse('svg-refused', 'SVG images are not shown (they are markup, not pixels)')
    throw refuse('not-an-image', 'Not a PNG, JPEG, GIF or WebP image')
  }
  const { width, height, frames } = PARSERS[type](bytes)
  if (!(width > 0 && height > 0)) throw refuse('not-an-image', `The ${type} header declares no size`)
  if (width > l.maxSide || height > l.maxSide || width * height > l.maxPixels) {
    throw refuse('dimensions-too-large', `${width} × ${height} pixels is more than allowed (${l.maxSide} px a side, ${l.maxPixels} pixels)`)
  }
  if (frames > l.maxFrames) throw refuse('too-many-frames', `${frames} frames is more than ${l.maxFrames}`)
  return { type, mime: IMAGE_MIME[type], width, height }
}

/** inspectImage without the throw: null when the bytes are not an acceptable image. */
export function tryInspectImage(bytes: Uint8Array, limits?: ImageLimits): ImageInfo | null {
  try {
    return inspectImage(bytes, limits)
  } catch {
    return null
  }
}

/**
 * A `data:` URL for a small image (the renderer's CSP allows `data:` and `blob:` images), after the
 * same checks as inspectImage. Larger images should go to the renderer as bytes for a `blob:` URL.
 */
export function previewDataUrl(bytes: Uint8Array, limits: ImageLimits = {}): string {
  const info = inspectImage(bytes, { maxBytes: 1024 * 1024, ...limits })
  return `data:${info.mime};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

function has(bytes: Uint8Array, at: number, expected: readonly number[] | string): boolean {
  const want = typeof expected === 'string' ? Array.from(expected, (c) => c.charCodeAt(0)) : expected
  if (bytes.length < at + want.length) return false
  return want.every((b, i) => bytes[at + i] === b)
}

function magicType(b: Uint8Array): ImageType | null {
  if (has(b, 0, PNG_SIGNATURE)) return 'png'
  if (has(b, 0, [0xff, 0xd8, 0xff])) return 'jpeg'
  if (has(b, 0, 'GIF87a') || has(b, 0, 'GIF89a')) return 'gif'
  if (has(b, 0, 'RIFF') && has(b, 8, 'WEBP')) return 'webp'
  return null
}

function looksLikeSvg(b: Uint8Array): boolean {
  const head = Buffer.from(b.buffer, b.byteOffset, Math.min(b.byteLength, 2048)).toString('utf8').replace(/^\uFEFF/, '').trimStart()
  return head.startsWith('<') && /<svg[\s>/]/i.test(head)
}

/**
 * What is known from magic bytes alone, for files offered for download: the type the content
 * really has, whatever the server's Content-Type claims. Null when unknown.
 */
export function sniffType(b: Uint8Array): string | null {
  const image = magicType(b)
  if (image) return IMAGE_MIME[image]
  if (has(b, 0, '%PDF-')) return 'application/pdf'
  if (has(b, 0, [0x50, 0x4b, 0x03, 0x04])) return 'application/zip'
  if (has(b, 0, [0x1f, 0x8b])) return 'application/gzip'
  if (has(b, 4, 'ftyp')) return 'video/mp4'
  if (has(b, 0, [0x1a, 0x45, 0xdf, 0xa3])) return 'video/webm'
  if (has(b, 0, 'OggS')) return 'audio/ogg'
  if (has(b, 0, 'ID3')) return 'audio/mpeg'
  if (has(b, 0, 'RIFF') && has(b, 8, 'WAVE')) return 'audio/wav'
  if (has(b, 0, 'fLaC')) return 'audio/flac'
  if (has(b, 0, 'MZ')) return 'application/x-msdownload'
  if (has(b, 0, [0x7f, 0x45, 0x4c, 0x46])) return 'application/x-executable'
  if (looksLikeSvg(b)) return 'image/svg+xml'
  const head = Buffer.from(b.buffer, b.byteOffset, Math.min(b.byteLength, 512)).toString('latin1').trimStart().toLowerCase()
  if (head.startsWith('<!doctype html') || head.startsWith('<html')) return 'text/html'
  return null
}

/** File name extension for a sniffed type, to name downloads that arrive without one. */
export function extensionFor(mime: string): string | null {
  const map: Record<string, string> = {
    'image/png': '.png',
    'image/jpeg': '.jpg',
    'image/gif': '.gif',
    'image/webp': '.webp',
    'application/pdf': '.pdf',
    'application/zip': '.zip',
    'application/gzip': '.gz',
    'video/mp4': '.mp4',
    'video/webm': '.webm',
    'audio/ogg': '.ogg',
    'audio/mpeg': '.mp3',
    'audio/wav': '.wav',
    'audio/flac': '.flac'
  }
  return map[mime] ?? null
}

// ---- header parsers: each reads only what it needs and checks every offset first ----------------

interface Dimensions {
  width: number
  height: number
  frames: number
}

const PARSERS: Record<ImageType, (b: Uint8Array) => Dimensions> = { png: parsePng, jpeg: parseJpeg, gif: parseGif, webp: parseWebp }

function u16be(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0)
}

function u16le(b: Uint8Array, at: number): number {
  return (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8)
}

function u24le(b: Uint8Array, at: number): number {
  return (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16)
}

function u32be(b: Uint8Array, at: number): number {
  return (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0
}

function u32le(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>> 0
}

function need(b: Uint8Array, end: number, what: string): void {
  if (b.length < end) throw refuse('truncated', `The ${what} ends early`)
}

/** PNG: the IHDR chunk must come first (PNG §5.6); its CRC is checked so that garbage is not trusted. */
function parsePng(b: Uint8Array): Dimensions {
  need(b, 33, 'PNG header')
  if (u32be(b, 8) !== 13 || !has(b, 12, 'IHDR')) throw refuse('not-an-image', 'PNG without an IHDR chunk first')
  if ((crc32(b.subarray(12, 29)) >>> 0) !== u32be(b, 29)) throw refuse('not-an-image', 'PNG header checksum mismatch')
  return { width: u32be(b, 16), height: u32be(b, 20), frames: pngFrames(b) }
}

/**
 * Animated PNG (APNG): `acTL` declares the number of frames and each frame has an `fcTL` chunk;
 * the larger of the two counts, so that neither a low declaration nor extra chunks slip past.
 */
function pngFrames(b: Uint8Array): number {
  let declared = 0
  let controls = 0
  for (let at = 8; at + 12 <= b.length; ) {
    const length = u32be(b, at)
    if (has(b, at + 4, 'acTL') && length >= 8) declared = u32be(b, at + 8)
    else if (has(b, at + 4, 'fcTL')) controls++
    else if (has(b, at + 4, 'IEND')) break
    at += 12 + length
  }
  return Math.max(1, declared, controls)
}

const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf])

/** JPEG: walk the marker segments up to the first start-of-frame, which holds the dimensions. */
function parseJpeg(b: Uint8Array): Dimensions {
  let i = 2
  for (;;) {
    need(b, i + 2, 'JPEG header')
    if (b[i] !== 0xff) throw refuse('not-an-image', 'JPEG marker expected')
    while (b[i + 1] === 0xff) {
      i++ // fill bytes
      need(b, i + 2, 'JPEG header')
    }
    const marker = b[i + 1] ?? 0
    i += 2
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue // standalone markers
    if (marker === 0xd9 || marker === 0xda || marker === 0xd8) throw refuse('not-an-image', 'JPEG without a frame header')
    need(b, i + 2, 'JPEG segment')
    const length = u16be(b, i)
    if (length < 2) throw refuse('not-an-image', 'JPEG segment with a bad length')
    if (SOF_MARKERS.has(marker)) {
      need(b, i + 7, 'JPEG frame header')
      if (length < 8) throw refuse('not-an-image', 'JPEG frame header too short')
      // A height of 0 defers to a DNL marker after the first scan: refuse rather than trust it.
      return { height: u16be(b, i + 3), width: u16be(b, i + 5), frames: 1 }
    }
    i += length
  }
}

/**
 * GIF: the logical screen size, then every block up to the trailer, so that the frame count is
 * known and no frame is larger than the limits (a frame may exceed the screen it is drawn on).
 */
function parseGif(b: Uint8Array): Dimensions {
  need(b, 13, 'GIF header')
  const width = u16le(b, 6)
  const height = u16le(b, 8)
  const packed = b[10] ?? 0
  let i = 13 + (packed & 0x80 ? 3 * (1 << ((packed & 7) + 1)) : 0)
  let frames = 0
  let maxW = width
  let maxH = height
  const skipSubBlocks = (): void => {
    for (;;) {
      need(b, i + 1, 'GIF data')
      const size = b[i] ?? 0
      i += 1 + size
      if (size === 0) return
    }
  }
  for (;;) {
    // Some encoders omit the trailer: accept a file that ends cleanly between blocks.
    if (i === b.length && frames > 0) break
    need(b, i + 1, 'GIF data')
    const block = b[i]
    if (block === 0x3b) break
    if (block === 0x21) {
      need(b, i + 2, 'GIF extension')
      i += 2
      skipSubBlocks()
    } else if (block === 0x2c) {
      need(b, i + 10, 'GIF image descriptor')
      maxW = Math.max(maxW, u16le(b, i + 1) + u16le(b, i + 5))
      maxH = Math.max(maxH, u16le(b, i + 3) + u16le(b, i + 7))
      const local = b[i + 9] ?? 0
      i += 10 + (local & 0x80 ? 3 * (1 << ((local & 7) + 1)) : 0)
      need(b, i + 1, 'GIF image data')
      const codeSize = b[i] ?? 0
      if (codeSize < 2 || codeSize > 11) throw refuse('not-an-image', 'GIF with a bad LZW code size')
      i += 1
      skipSubBlocks()
      frames++
    } else {
      throw refuse('not-an-image', 'GIF with an unknown block')
    }
  }
  if (frames === 0) throw refuse('not-an-image', 'GIF without an image')
  return { width: maxW, height: maxH, frames }
}

/** WebP: the first chunk after the RIFF header is VP8 (lossy), VP8L (lossless) or VP8X (extended). */
function parseWebp(b: Uint8Array): Dimensions {
  need(b, 20, 'WebP header')
  if (u32le(b, 4) + 8 > b.length) throw refuse('truncated', 'The WebP file is shorter than its RIFF header says')
  const d = 20
  if (has(b, 12, 'VP8 ')) {
    need(b, d + 10, 'WebP VP8 header')
    // Frame tag (3 bytes, bit 0 = 0 for a key frame), start code 9d 01 2a, then 14-bit sizes.
    if (((b[d] ?? 1) & 1) !== 0 || !has(b, d + 3, [0x9d, 0x01, 0x2a])) throw refuse('not-an-image', 'WebP VP8 without a key frame')
    return { width: u16le(b, d + 6) & 0x3fff, height: u16le(b, d + 8) & 0x3fff, frames: 1 }
  }
  if (has(b, 12, 'VP8L')) {
    need(b, d + 5, 'WebP VP8L header')
    if (b[d] !== 0x2f) throw refuse('not-an-image', 'WebP VP8L without its signature')
    const bits = u32le(b, d + 1)
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, frames: 1 }
  }
  if (has(b, 12, 'VP8X')) {
    need(b, d + 10, 'WebP VP8X header')
    // Animation frames (ANMF) must fit in this canvas, so the canvas bounds them all; count them.
    let frames = 0
    for (let at = 12; at + 8 <= b.length; at += 8 + u32le(b, at + 4) + (u32le(b, at + 4) & 1)) {
      if (has(b, at, 'ANMF')) frames++
    }
    return { width: u24le(b, d + 4) + 1, height: u24le(b, d + 7) + 1, frames: Math.max(frames, 1) }
  }
  throw refuse('not-an-image', 'WebP with an unknown first chunk')
}
