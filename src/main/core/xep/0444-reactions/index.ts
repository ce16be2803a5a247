import { xml, type Element } from '../../xml'
import { storeHint } from '../0334-hints'

export const NS_REACTIONS = 'urn:xmpp:reactions:0'
const MAX_REACTIONS = 32

/** XEP-0444: the sender's complete set of reactions to a message (an empty set removes them). */
export function reactionsMessage(to: string, id: string, targetId: string, emojis: readonly string[]): Element {
  return xml(
    'message',
    { to, id, type: 'chat' },
    xml('reactions', { xmlns: NS_REACTIONS, id: targetId }, ...[...new Set(emojis)].map((e) => xml('reaction', {}, e))),
    storeHint()
  )
}

export function parseReactions(message: Element): { targetId: string; emojis: string[] } | null {
  const el = message.getChild('reactions', NS_REACTIONS)
  const id = el?.attrs.id
  if (!el || typeof id !== 'string' || id === '' || id.length > 256) return null
  const emojis = [...new Set(el.getChildren('reaction').map((r) => r.text().trim()).filter((e) => isReaction(e)))].slice(0, MAX_REACTIONS)
  return { targetId: id, emojis }
}

/** A reaction is a short emoji sequence (§5: a single emoji grapheme), nothing else. */
export function isReaction(s: string): boolean {
  if (s === '' || s.length > 32) return false
  const graphemes = [...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(s)]
  return graphemes.length === 1 && /\p{Extended_Pictographic}|\p{Regional_Indicator}/u.test(s)
}
