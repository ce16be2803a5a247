import { createHash } from 'node:crypto'
import type { Element } from '../../xml'

export const NS_AVATAR_DATA = 'urn:xmpp:avatar:data'
export const NS_AVATAR_METADATA = 'urn:xmpp:avatar:metadata'

/** One `<info/>` of the metadata (XEP-0084 §4.2): one encoding of the avatar. */
export interface AvatarInfo {
  /** SHA-1 of the image bytes, lowercase hex: also the data item's id. */
  id: string
  bytes: number
  type: string
  width?: number
  height?: number
  /** Hosted elsewhere (HTTP): not fetched, the data node is what we use. */
  url?: string
}

export type AvatarMetadata = { kind: 'avatar'; infos: AvatarInfo[] } | { kind: 'disabled' }

const SHA1_HEX = /^[0-9a-f]{40}$/
/** Types we display; the data node must carry image/png (XEP-0084 §4.2.1), others are extra. */
export const AVATAR_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const

export function isAvatarHash(s: unknown): s is string {
  return typeof s === 'string' && SHA1_HEX.test(s)
}

export function sha1Hex(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex')
}

function positiveInt(v: unknown, max: number): number | undefined {
  const s = typeof v === 'string' ? v.trim() : ''
  if (!/^\d{1,12}$/.test(s)) return undefined
  const n = Number(s)
  return n > 0 && n <= max ? n : undefined
}

/**
 * `<metadata xmlns='urn:xmpp:avatar:metadata'>`: an empty one disables the avatar (§4.6); each
 * `<info/>` with a SHA-1 id and a byte count is one way to get it. Malformed infos are skipped.
 */
export function parseMetadata(metadata: Element): AvatarMetadata | null {
  if (!metadata.is('metadata', NS_AVATAR_METADATA)) return null
  const infos: AvatarInfo[] = []
  for (const i of metadata.getChildren('info')) {
    const id = String(i.attrs.id ?? '').toLowerCase()
    const bytes = positiveInt(i.attrs.bytes, 2 ** 40)
    if (!SHA1_HEX.test(id) || bytes === undefined) continue
    const width = positiveInt(i.attrs.width, 65_535)
    const height = positiveInt(i.attrs.height, 65_535)
    const url = typeof i.attrs.url === 'string' && i.attrs.url !== '' ? i.attrs.url : undefined
    infos.push({
      id,
      bytes,
      type: String(i.attrs.type ?? '').toLowerCase(),
      ...(width ? { width } : {}),
      ...(height ? { height } : {}),
      ...(url ? { url } : {})
    })
  }
  if (metadata.getChildren('info').length === 0) return { kind: 'disabled' }
  return infos.length > 0 ? { kind: 'avatar', infos } : null
}

/**
 * The encoding to fetch from the data node: no external URL, a type we show, small enough; PNG
 * first (every publisher must offer it), then in the publisher's order.
 */
export function pickInfo(infos: readonly AvatarInfo[], maxBytes: number): AvatarInfo | null {
  const usable = infos.filter((i) => i.url === undefined && i.bytes <= maxBytes && (AVATAR_TYPES as readonly string[]).includes(i.type || 'image/png'))
  return usable.find((i) => i.type === 'image/png' || i.type === '') ?? usable[0] ?? null
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/**
 * Strict base64 (whitespace allowed, as vcard-temp BINVAL and pubsub data often wrap lines) with a
 * size check before decoding, so a huge payload is never decoded just to be thrown away.
 */
export function decodeBase64(text: string, maxBytes: number): Buffer | null {
  const s = text.replace(/[\s]+/g, '')
  if (s.length === 0 || s.length % 4 !== 0 || !BASE64.test(s)) return null
  if ((s.length / 4) * 3 - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0) > maxBytes) return null
  return Buffer.from(s, 'base64')
}

/** The base64 text of `<data xmlns='urn:xmpp:avatar:data'>`, or null. */
export function dataText(data: Element | undefined): string | null {
  return data?.is('data', NS_AVATAR_DATA) ? data.text() : null
}
