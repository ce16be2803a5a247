/**
 * A person's profile as Parley shows and edits it: plain data, the same whether it came from a
 * vCard4 over PEP (XEP-0292) or a vcard-temp (XEP-0054). Every field is capped: a profile is
 * foreign data that ends up in the UI and in IPC messages.
 */
export type { Profile } from '../../../../shared/model/profile'
import type { Profile } from '../../../../shared/model/profile'

export const MAX_FIELD = 1024
export const MAX_NOTE = 4096
export const MAX_ITEMS = 16

export function emptyProfile(): Profile {
  return { fn: '', nickname: '', given: '', family: '', email: [], tel: [], url: [], impp: [], note: '', org: '', title: '', role: '', bday: '' }
}

// Controls, and the bidi overrides that could reorder the surrounding UI text (isolates are what
// the renderer applies around names anyway).
const CONTROLS = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu

export function cleanText(value: unknown, max = MAX_FIELD, multiline = false): string {
  if (typeof value !== 'string') return ''
  const lines = value.replace(/\r\n?/g, '\n').split('\n')
  // A note keeps its line breaks; any other field becomes one line.
  const s = multiline
    ? lines.map((l) => l.replace(/\t/g, ' ').replace(CONTROLS, '')).join('\n')
    : lines.join(' ').replace(/\t/g, ' ').replace(CONTROLS, '')
  return Array.from(s.trim()).slice(0, max).join('')
}

function cleanList(values: unknown, keep: (s: string) => boolean = () => true): string[] {
  if (!Array.isArray(values)) return []
  const out: string[] = []
  for (const v of values) {
    const s = cleanText(v)
    if (s !== '' && keep(s) && !out.includes(s)) out.push(s)
    if (out.length >= MAX_ITEMS) break
  }
  return out
}

function isWebUrl(s: string): boolean {
  try {
    const u = new URL(s)
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.username === '' && u.password === ''
  } catch {
    return false
  }
}

/** Any input (a parsed vCard, a profile from the UI) as a capped, well-formed Profile. */
export function normaliseProfile(p: Partial<Record<keyof Profile, unknown>>): Profile {
  return {
    fn: cleanText(p.fn),
    nickname: cleanText(p.nickname),
    given: cleanText(p.given),
    family: cleanText(p.family),
    email: cleanList(p.email),
    tel: cleanList(p.tel),
    url: cleanList(p.url, isWebUrl),
    impp: cleanList(p.impp),
    note: cleanText(p.note, MAX_NOTE, true),
    org: cleanText(p.org),
    title: cleanText(p.title),
    role: cleanText(p.role),
    bday: cleanText(p.bday, 64)
  }
}

/** The name to show for someone when the roster has none: their full name, else their nickname. */
export function displayNameOf(p: Profile): string | null {
  const name = p.fn || p.nickname || [p.given, p.family].filter((s) => s !== '').join(' ')
  return name === '' ? null : name
}

export function isEmptyProfile(p: Profile): boolean {
  return Object.values(p).every((v) => (Array.isArray(v) ? v.length === 0 : v === ''))
}
