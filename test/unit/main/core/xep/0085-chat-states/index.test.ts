import { describe, expect, it } from 'vitest'
import { xml } from '../../../../../../src/main/core/xml'
import { chatState, NS_CHAT_STATES, parseChatState } from '../../../../../../src/main/core/xep/0085-chat-states'

describe('XEP-0085 chat states', () => {
  it('chatState builds the element', () => {
    expect(chatState('paused').toString()).toBe('<paused xmlns="http://jabber.org/protocol/chatstates"/>')
  })

  it.each(['active', 'composing', 'paused', 'inactive', 'gone'] as const)('parses %s', (state) => {
    expect(parseChatState(xml('message', {}, xml('body', {}, 'x'), chatState(state)))).toBe(state)
  })

  it('is null without a state, for an unknown state, or for the right name in another namespace', () => {
    expect(parseChatState(xml('message', {}, xml('body', {}, 'x')))).toBeNull()
    expect(parseChatState(xml('message', {}, xml('typing', { xmlns: NS_CHAT_STATES })))).toBeNull()
    expect(parseChatState(xml('message', {}, xml('composing', { xmlns: 'jabber:x:event' })))).toBeNull()
  })

  it('takes the first valid state when there are several', () => {
    expect(parseChatState(xml('message', {}, xml('bogus', { xmlns: NS_CHAT_STATES }), chatState('composing'), chatState('gone')))).toBe('composing')
  })
})
