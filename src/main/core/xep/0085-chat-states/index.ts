import { xml, type Element } from '../../xml'

export const NS_CHAT_STATES = 'http://jabber.org/protocol/chatstates'
export type ChatStateName = 'active' | 'composing' | 'paused' | 'inactive' | 'gone'
const STATES = new Set<ChatStateName>(['active', 'composing', 'paused', 'inactive', 'gone'])

export const chatState = (state: ChatStateName): Element => xml(state, { xmlns: NS_CHAT_STATES })

export function parseChatState(message: Element): ChatStateName | null {
  const el = message.getChildElements().find((c) => c.attrs.xmlns === NS_CHAT_STATES && STATES.has(c.name as ChatStateName))
  return el ? (el.name as ChatStateName) : null
}
