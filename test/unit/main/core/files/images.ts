// Real, tiny images assembled byte by byte for the tests (no image library, no binary fixtures).
// PNG, GIF and WebP (lossless) are complete, decodable files; the JPEG is a complete baseline
// grey image (DC-only blocks) with a one-code Huffman table.
import { crc32, deflateSync } from 'node:zlib'

function u32be(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n >>> 0)
  return b
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(n >>> 0)
  return b
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  return Buffer.concat([u32be(data.length), body, u32be(crc32(body))])
}

/** An RGB PNG of the given size filled with one colour (real pixels: keep it small unless headerOnly). */
export function png(width: number, height: number, rgb: [number, number, number] = [200, 30, 30], headerOnly = false): Buffer {
  const ihdr = Buffer.concat([u32be(width), u32be(height), Buffer.from([8, 2, 0, 0, 0])])
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(headerOnly ? 0 : width * 3, Buffer.from(rgb))])
  const raw = headerOnly ? Buffer.from([0]) : Buffer.concat(Array.from({ length: height }, () => row))
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0))
  ])
}

/**
 * An animated PNG: `declared` in acTL, then `controls` fcTL chunks (each followed by its frame's
 * data: the IDAT for the first, an empty fdAT for the others), as headers for the parser to count.
 */
export function apng(width: number, height: number, declared: number, controls = declared): Buffer {
  const ihdr = Buffer.concat([u32be(width), u32be(height), Buffer.from([8, 2, 0, 0, 0])])
  const fctl = (seq: number): Buffer => Buffer.concat([u32be(seq), u32be(width), u32be(height), u32be(0), u32be(0), Buffer.from([0, 1, 0, 10, 0, 0])])
  const frames = Array.from({ length: controls }, (_, i) =>
    i === 0 ? Buffer.concat([chunk('fcTL', fctl(0)), chunk('IDAT', deflateSync(Buffer.from([0])))]) : Buffer.concat([chunk('fcTL', fctl(2 * i - 1)), chunk('fdAT', u32be(2 * i))])
  )
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('acTL', Buffer.concat([u32be(declared), u32be(0)])),
    ...frames,
    chunk('IEND', Buffer.alloc(0))
  ])
}

/** The classic 1×1 GIF89a, resized in its headers (frames as given). */
export function gif(width = 1, height = 1, frames = 1): Buffer {
  const lsd = Buffer.from([width & 0xff, width >> 8, height & 0xff, height >> 8, 0x80, 0, 0])
  const gct = Buffer.from([0xff, 0xff, 0xff, 0, 0, 0])
  const frame = Buffer.from([
    0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, // graphic control extension
    0x2c, 0, 0, 0, 0, width & 0xff, width >> 8, height & 0xff, height >> 8, 0x00, // image descriptor
    0x02, 0x02, 0x44, 0x01, 0x00 // LZW min code size 2, one sub-block, terminator
  ])
  return Buffer.concat([Buffer.from('GIF89a', 'latin1'), lsd, gct, ...Array.from({ length: frames }, () => frame), Buffer.from([0x3b])])
}

/** LSB-first bit writer, as VP8L and (MSB-first variant below) JPEG entropy data need. */
class Bits {
  private bytes: number[] = []
  private bit = 0
  write(value: number, count: number): this {
    for (let i = 0; i < count; i++) {
      if (this.bit === 0) this.bytes.push(0)
      const last = this.bytes.length - 1
      this.bytes[last] = (this.bytes[last] ?? 0) | (((value >> i) & 1) << this.bit)
      this.bit = (this.bit + 1) & 7
    }
    return this
  }
  buffer(): Buffer {
    return Buffer.from(this.bytes)
  }
}

/**
 * A lossless WebP (VP8L) of any size, every pixel opaque black: five "simple" prefix codes with one
 * symbol each, so each pixel takes zero bits and the file stays 30 bytes whatever its dimensions.
 */
export function webpLossless(width: number, height: number): Buffer {
  const bits = new Bits()
    .write(width - 1, 14)
    .write(height - 1, 14)
    .write(0, 1) // alpha hint
    .write(0, 3) // version
    .write(0, 1) // no transform
    .write(0, 1) // no colour cache
    .write(0, 1) // no meta prefix codes
  const simple = (symbol: number): void => {
    bits.write(1, 1).write(0, 1) // simple code, one symbol
    if (symbol < 2) bits.write(0, 1).write(symbol, 1)
    else bits.write(1, 1).write(symbol, 8)
  }
  simple(0) // green
  simple(0) // red
  simple(0) // blue
  simple(255) // alpha
  simple(0) // distance
  const data = Buffer.concat([Buffer.from([0x2f]), bits.buffer()])
  const padded = data.length % 2 ? Buffer.concat([data, Buffer.alloc(1)]) : data
  const body = Buffer.concat([Buffer.from('WEBP', 'latin1'), Buffer.from('VP8L', 'latin1'), u32le(data.length), padded])
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), u32le(body.length), body])
}

/** VP8 (lossy) and VP8X (extended) headers with the given sizes; the bitstream after them is filler. */
export function webpLossyHeader(width: number, height: number): Buffer {
  const frame = Buffer.concat([Buffer.from([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a]), Buffer.from([width & 0xff, (width >> 8) & 0x3f, height & 0xff, (height >> 8) & 0x3f]), Buffer.alloc(8)])
  const body = Buffer.concat([Buffer.from('WEBPVP8 ', 'latin1'), u32le(frame.length), frame])
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), u32le(body.length), body])
}

export function webpExtendedHeader(width: number, height: number, frames = 0): Buffer {
  const w = width - 1
  const h = height - 1
  const vp8x = Buffer.from([0x02, 0, 0, 0, w & 0xff, (w >> 8) & 0xff, (w >> 16) & 0xff, h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff])
  const anmf = Buffer.concat([Buffer.from('ANMF', 'latin1'), u32le(16), Buffer.alloc(16)])
  const body = Buffer.concat([Buffer.from('WEBPVP8X', 'latin1'), u32le(vp8x.length), vp8x, ...Array.from({ length: frames }, () => anmf)])
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), u32le(body.length), body])
}

/**
 * A baseline greyscale JPEG of any size, every 8×8 block mid-grey: quantisation table of ones, one
 * Huffman code ('0') for DC category 0 and one for AC end-of-block, so each block is two 0 bits.
 */
export function jpeg(width: number, height: number): Buffer {
  const seg = (marker: number, data: Buffer): Buffer => Buffer.concat([Buffer.from([0xff, marker, (data.length + 2) >> 8, (data.length + 2) & 0xff]), data])
  const app0 = seg(0xe0, Buffer.concat([Buffer.from('JFIF\0', 'latin1'), Buffer.from([1, 1, 0, 0, 1, 0, 1, 0, 0])]))
  const dqt = seg(0xdb, Buffer.concat([Buffer.from([0x00]), Buffer.alloc(64, 1)]))
  const sof = seg(0xc0, Buffer.from([8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]))
  const counts = (n: number): Buffer => Buffer.from([n, ...Array<number>(15).fill(0)])
  const dht = seg(0xc4, Buffer.concat([Buffer.from([0x00]), counts(1), Buffer.from([0x00]), Buffer.from([0x10]), counts(1), Buffer.from([0x00])]))
  const sos = seg(0xda, Buffer.from([1, 1, 0x00, 0, 63, 0]))
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8)
  // 2 zero bits per block, MSB first, padded with ones; 0xff never occurs, so no byte stuffing.
  const bitCount = blocks * 2
  const scan = Buffer.alloc(Math.ceil(bitCount / 8), 0)
  const pad = scan.length * 8 - bitCount
  if (pad > 0) scan[scan.length - 1] = (1 << pad) - 1
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, dqt, sof, dht, sos, scan, Buffer.from([0xff, 0xd9])])
}

export const SVG = Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>')
