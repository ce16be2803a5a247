import { describe, expect, it } from 'vitest'
import { CoreError } from '../../../../../src/main/core/errors'
import { extensionFor, inspectImage, previewDataUrl, sniffType, tryInspectImage } from '../../../../../src/main/core/files/image'
import { apng, gif, jpeg, png, SVG, webpExtendedHeader, webpLossless, webpLossyHeader } from './images'

function condition(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(CoreError)
    expect((err as CoreError).code).toBe('bad-input')
    return (err as CoreError).condition
  }
  return 'no error'
}

describe('inspectImage: real tiny images', () => {
  it('reads a PNG', () => {
    expect(inspectImage(png(3, 2))).toEqual({ type: 'png', mime: 'image/png', width: 3, height: 2 })
  })

  it('reads a JPEG', () => {
    expect(inspectImage(jpeg(17, 9))).toEqual({ type: 'jpeg', mime: 'image/jpeg', width: 17, height: 9 })
  })

  it('reads a JPEG whose frame header comes after fill bytes', () => {
    const j = jpeg(8, 8)
    const withFill = Buffer.concat([j.subarray(0, 2), Buffer.from([0xff, 0xff]), j.subarray(2)])
    expect(inspectImage(withFill)).toMatchObject({ width: 8, height: 8 })
  })

  it('reads a GIF, animated or not', () => {
    expect(inspectImage(gif(1, 1))).toEqual({ type: 'gif', mime: 'image/gif', width: 1, height: 1 })
    expect(inspectImage(gif(40, 30, 5))).toMatchObject({ width: 40, height: 30 })
  })

  it('reads lossless, lossy and extended WebP', () => {
    expect(inspectImage(webpLossless(1, 1))).toEqual({ type: 'webp', mime: 'image/webp', width: 1, height: 1 })
    expect(inspectImage(webpLossless(300, 200))).toMatchObject({ width: 300, height: 200 })
    expect(inspectImage(webpLossyHeader(640, 480))).toMatchObject({ width: 640, height: 480 })
    expect(inspectImage(webpExtendedHeader(1000, 800, 3))).toMatchObject({ width: 1000, height: 800 })
  })
})

describe('inspectImage: refusals', () => {
  it('refuses SVG, with its own condition', () => {
    expect(condition(() => inspectImage(SVG))).toBe('svg-refused')
    expect(condition(() => inspectImage(Buffer.from('\uFEFF  <svg><circle r="1"/></svg>')))).toBe('svg-refused')
  })

  it('refuses garbage, HTML, empty input and lookalike prefixes', () => {
    expect(condition(() => inspectImage(Buffer.alloc(0)))).toBe('not-an-image')
    expect(condition(() => inspectImage(Buffer.from('<!doctype html><img src=x>')))).toBe('not-an-image')
    expect(condition(() => inspectImage(Buffer.from('BM6\0\0\0')))).toBe('not-an-image') // BMP: not accepted
    expect(condition(() => inspectImage(Buffer.from('RIFF\x04\0\0\0WAVE', 'latin1')))).toBe('not-an-image')
  })

  it('refuses truncated files at every cut of the header', () => {
    for (const [name, full, headerLength] of [
      ['png', png(2, 2), 33],
      ['jpeg', jpeg(8, 8), 98], // SOI, APP0, DQT, then the frame header's sizes
      ['gif', gif(2, 2), 42], // all but the trailer, which some encoders omit (accepted below)
      ['webp', webpLossyHeader(8, 8), 30]
    ] as const) {
      for (let cut = 3; cut < headerLength; cut++) {
        const c = condition(() => inspectImage(full.subarray(0, cut)))
        expect(['truncated', 'not-an-image'], `${name} cut at ${cut}`).toContain(c)
      }
    }
  })

  it('accepts a GIF that ends cleanly without its trailer', () => {
    const g = gif(2, 2)
    expect(inspectImage(g.subarray(0, g.length - 1))).toMatchObject({ width: 2, height: 2 })
  })

  it('refuses a PNG whose header checksum is wrong (garbage after a valid signature)', () => {
    const bad = png(2, 2)
    bad[20] = 0x7f // height changed, CRC not
    expect(condition(() => inspectImage(bad))).toBe('not-an-image')
  })

  it('refuses decompression bombs from their header alone', () => {
    expect(condition(() => inspectImage(png(100_000, 100_000, [0, 0, 0], true)))).toBe('dimensions-too-large')
    expect(condition(() => inspectImage(png(16_385, 1, [0, 0, 0], true)))).toBe('dimensions-too-large')
    expect(condition(() => inspectImage(png(8_000, 8_000, [0, 0, 0], true)))).toBe('dimensions-too-large') // 64 MP
    expect(condition(() => inspectImage(webpLossless(16_384, 16_384)))).toBe('dimensions-too-large') // 30 bytes, 1 GiB of RGBA
    expect(condition(() => inspectImage(jpeg(65_000, 65_000)))).toBe('dimensions-too-large')
    expect(condition(() => inspectImage(gif(60_000, 60_000)))).toBe('dimensions-too-large')
    expect(condition(() => inspectImage(webpExtendedHeader(20_000, 10)))).toBe('dimensions-too-large')
    // Exactly at the limits is fine.
    expect(inspectImage(png(16_384, 1, [0, 0, 0], true))).toMatchObject({ width: 16_384 })
  })

  it('refuses a GIF whose frame is larger than its screen when the frame breaks the limits', () => {
    const g = gif(10, 10)
    // Image descriptor width (offset 13 + 6 + 8 + 5) set to 20,000.
    const at = 13 + 6 + 8 + 5
    g[at] = 20_000 & 0xff
    g[at + 1] = 20_000 >> 8
    expect(condition(() => inspectImage(g))).toBe('dimensions-too-large')
  })

  it('counts animated PNG frames (acTL and fcTL) against the frame limit', () => {
    expect(inspectImage(apng(4, 4, 5))).toMatchObject({ type: 'png', width: 4, height: 4 })
    expect(inspectImage(apng(4, 4, 5), { maxFrames: 5 })).toMatchObject({ type: 'png' })
    expect(condition(() => inspectImage(apng(4, 4, 5), { maxFrames: 4 }))).toBe('too-many-frames')
    // The default cap, from the declaration alone and from the chunks alone.
    expect(condition(() => inspectImage(apng(4, 4, 1_001, 1)))).toBe('too-many-frames')
    expect(condition(() => inspectImage(apng(4, 4, 1, 1_001)))).toBe('too-many-frames')
    expect(inspectImage(apng(4, 4, 1_000))).toMatchObject({ type: 'png' })
    expect(inspectImage(png(4, 4), { maxFrames: 1 })).toMatchObject({ type: 'png' })
  })

  it('refuses animations with too many frames', () => {
    expect(condition(() => inspectImage(gif(1, 1, 5), { maxFrames: 4 }))).toBe('too-many-frames')
    expect(condition(() => inspectImage(webpExtendedHeader(10, 10, 5), { maxFrames: 4 }))).toBe('too-many-frames')
  })

  it('refuses a JPEG that defers its height to a DNL marker', () => {
    expect(condition(() => inspectImage(jpeg(8, 0)))).toBe('not-an-image')
  })

  it('refuses files over the byte cap before parsing', () => {
    expect(condition(() => inspectImage(png(3, 3), { maxBytes: 10 }))).toBe('too-large')
  })

  it('tryInspectImage gives null instead of throwing', () => {
    expect(tryInspectImage(SVG)).toBeNull()
    expect(tryInspectImage(png(1, 1))).toMatchObject({ type: 'png' })
  })
})

describe('previewDataUrl', () => {
  it('is a base64 data URL with the detected type, never the claimed one', () => {
    const bytes = gif(1, 1)
    expect(previewDataUrl(bytes)).toBe(`data:image/gif;base64,${bytes.toString('base64')}`)
  })

  it('refuses SVG and anything over its (small) cap', () => {
    expect(() => previewDataUrl(SVG)).toThrow(CoreError)
    expect(() => previewDataUrl(png(4, 4), { maxBytes: 20 })).toThrow(/at most 20/)
  })
})

describe('sniffType', () => {
  it('names what the bytes are', () => {
    expect(sniffType(png(1, 1))).toBe('image/png')
    expect(sniffType(jpeg(8, 8))).toBe('image/jpeg')
    expect(sniffType(Buffer.from('%PDF-1.7\n'))).toBe('application/pdf')
    expect(sniffType(Buffer.from('PK\x03\x04', 'latin1'))).toBe('application/zip')
    expect(sniffType(SVG)).toBe('image/svg+xml')
    expect(sniffType(Buffer.from('  <!DOCTYPE html><p>'))).toBe('text/html')
    expect(sniffType(Buffer.from('MZ\x90\0', 'latin1'))).toBe('application/x-msdownload')
    expect(sniffType(Buffer.from('hello'))).toBeNull()
  })

  it('maps types to extensions for names without one', () => {
    expect(extensionFor('image/jpeg')).toBe('.jpg')
    expect(extensionFor('text/html')).toBeNull()
  })
})
