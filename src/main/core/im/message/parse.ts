import type { Element } from '../../xml'

export type MessageType = 'chat' | 'normal' | 'groupchat' | 'headline' | 'error'

export function messageType(stanza: Element): MessageType {
  const type = stanza.attrs.type
  return type === 'chat' || type === 'groupchat' || type === 'headline' || type === 'error' ? type : 'normal'
}

/**
 * The body in the stanza's default language (RFC 6121 §5.2.3): the first <body/> without xml:lang
 * or with the stanza's own xml:lang, else the first.
 */
export function bodyOf(stanza: Element): string | null {
  const bodies = stanza.getChildren('body')
  const lang = stanza.attrs['xml:lang']
  const body = bodies.find((b) => b.attrs['xml:lang'] === undefined || (lang !== undefined && b.attrs['xml:lang'] === lang)) ?? bodies[0]
  return body ? body.text() : null
}

export const isAction = (body: string): boolean => body.startsWith('/me ')
