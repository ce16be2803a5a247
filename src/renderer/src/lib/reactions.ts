/** Reactions (XEP-0444): what the picker offers and how a click changes our set. */
import type { ChatMessageView } from '../../../shared/ipc/contract'

export const COMMON_REACTIONS: readonly string[] = ['👍', '❤️', '😂', '😮', '😢', '🙏', '🎉', '👀']

/** Main accepts up to 32 UTF-16 units per reaction. */
export const MAX_REACTION_LENGTH = 32

/** A reaction someone typed: one or a few emoji, nothing else (no words, spaces or controls). */
export function isReaction(input: string): boolean {
  const s = input.trim()
  if (s === '' || s.length > MAX_REACTION_LENGTH) return false
  if (!/\p{Extended_Pictographic}|\p{Regional_Indicator}|[#*0-9]\uFE0F?\u20E3/u.test(s)) return false
  // Emoji sequences are pictographs, modifiers, joiners, variation selectors and tags; letters are not.
  return /^(?:\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{Regional_Indicator}|\u200D|\uFE0E|\uFE0F|\u20E3|[#*0-9]|[\u{E0020}-\u{E007F}])+$/u.test(s)
}

/** Our current set of reactions to a message. */
export function ownReactions(message: Pick<ChatMessageView, 'reactions'>): string[] {
  return (message.reactions ?? []).filter((r) => r.mine).map((r) => r.emoji)
}

/** Our complete set after clicking `emoji`: added if we had not used it, removed if we had. */
export function toggleReaction(message: Pick<ChatMessageView, 'reactions'>, emoji: string): string[] {
  const mine = ownReactions(message)
  return mine.includes(emoji) ? mine.filter((e) => e !== emoji) : [...mine, emoji]
}
