import { xml, type Element } from '../../xml'

export const NS_REPLY = 'urn:xmpp:reply:0'

export interface ReplyTarget {
  id: string
  /** The author of the message replied to (full or bare JID), when given. */
  to: string
}

export const replyElement = (target: ReplyTarget): Element => xml('reply', { xmlns: NS_REPLY, id: target.id, ...(target.to ? { to: target.to } : {}) })

export function parseReply(message: Element): ReplyTarget | null {
  const el = message.getChild('reply', NS_REPLY)
  const id = el?.attrs.id
  if (!el || typeof id !== 'string' || id === '' || id.length > 256) return null
  return { id, to: typeof el.attrs.to === 'string' ? el.attrs.to : '' }
}

/** The quote a reply carries for other clients: each line of the quoted text prefixed with "> ". */
export function quoteFallback(quoted: string): string {
  const lines = quoted.split('\n').slice(0, 3)
  return `${lines.map((l) => `> ${l.slice(0, 200)}`).join('\n')}\n`
}
