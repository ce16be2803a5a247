import { describe, expect, it } from 'vitest'
import { chatMessage, chatStateMessage } from '../../../../../../src/main/core/im/message/build'
import { parseOriginId } from '../../../../../../src/main/core/xep/0359-unique-ids'
import { wantsReceipt } from '../../../../../../src/main/core/xep/0184-receipts'
import { parseChatState } from '../../../../../../src/main/core/xep/0085-chat-states'

describe('chatMessage', () => {
  it('is a chat message whose id equals its origin-id, with a receipt request, markable and the active state', () => {
    expect(chatMessage('juliet@example.com', 'abc-123', 'Wherefore art thou?').toString()).toBe(
      '<message to="juliet@example.com" id="abc-123" type="chat">' +
        '<body>Wherefore art thou?</body>' +
        '<origin-id xmlns="urn:xmpp:sid:0" id="abc-123"/>' +
        '<request xmlns="urn:xmpp:receipts"/>' +
        '<markable xmlns="urn:xmpp:chat-markers:0"/>' +
        '<active xmlns="http://jabber.org/protocol/chatstates"/>' +
        '</message>'
    )
  })

  it('carries a reply with a quoted fallback whose range covers the quote in code points', () => {
    const m = chatMessage('juliet@example.com', 'r-1', 'Yes!', { replyTo: { id: 'orig-7', to: 'juliet@example.com/balcony', quote: '你好 🌏\nsecond' } })
    expect(m.getChildText('body')).toBe('> 你好 🌏\n> second\nYes!')
    expect(m.getChild('reply', 'urn:xmpp:reply:0')?.attrs).toMatchObject({ id: 'orig-7', to: 'juliet@example.com/balcony' })
    const range = m.getChild('fallback', 'urn:xmpp:fallback:0')?.getChild('body')?.attrs
    expect(range).toMatchObject({ start: '0', end: String([...'> 你好 🌏\n> second\n'].length) })
  })

  it('marks a correction with <replace/> and asks for no receipt', () => {
    const m = chatMessage('juliet@example.com', 'c-2', 'fixed', { replaces: 'orig-1' })
    expect(m.getChild('replace', 'urn:xmpp:message-correct:0')?.attrs.id).toBe('orig-1')
    expect(wantsReceipt(m)).toBe(false)
  })

  it('reads back with the parsers of the other side', () => {
    const m = chatMessage('juliet@example.com/balcony', 'id-1', 'x')
    expect(m.attrs.id).toBe('id-1')
    expect(parseOriginId(m)).toBe('id-1')
    expect(wantsReceipt(m)).toBe(true)
    expect(parseChatState(m)).toBe('active')
  })

  it('escapes markup in the body', () => {
    expect(chatMessage('a@example.com', 'i', '</body><x/>').getChild('body')?.toString()).toBe('<body>&lt;/body&gt;&lt;x/&gt;</body>')
  })
})

describe('chatStateMessage', () => {
  it('has the state and a no-store hint, and no body or id', () => {
    expect(chatStateMessage('juliet@example.com', 'composing').toString()).toBe(
      '<message to="juliet@example.com" type="chat"><composing xmlns="http://jabber.org/protocol/chatstates"/><no-store xmlns="urn:xmpp:hints"/></message>'
    )
  })
})
