import { describe, expect, it } from 'vitest'
import { chatMessage, chatStateMessage } from '../../../../../../src/main/core/im/message/build'
import { parseOriginId } from '../../../../../../src/main/core/xep/0359-unique-ids'
import { wantsReceipt } from '../../../../../../src/main/core/xep/0184-receipts'
import { parseChatState } from '../../../../../../src/main/core/xep/0085-chat-states'

describe('chatMessage', () => {
  it('is a chat message whose id equals its origin-id, with a receipt request and the active state', () => {
    expect(chatMessage('juliet@example.com', 'abc-123', 'Wherefore art thou?').toString()).toBe(
      '<message to="juliet@example.com" id="abc-123" type="chat">' +
        '<body>Wherefore art thou?</body>' +
        '<origin-id xmlns="urn:xmpp:sid:0" id="abc-123"/>' +
        '<request xmlns="urn:xmpp:receipts"/>' +
        '<active xmlns="http://jabber.org/protocol/chatstates"/>' +
        '</message>'
    )
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
