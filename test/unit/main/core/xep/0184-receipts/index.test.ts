import { describe, expect, it } from 'vitest'
import { xml } from '../../../../../../src/main/core/xml'
import { NS_RECEIPTS, receiptFor, receiptRequest, receivedId, wantsReceipt } from '../../../../../../src/main/core/xep/0184-receipts'

describe('XEP-0184 message delivery receipts', () => {
  it('receiptRequest is an empty request element', () => {
    expect(receiptRequest().toString()).toBe('<request xmlns="urn:xmpp:receipts"/>')
  })

  it('receiptFor echoes the id in <received/>, with its own id and a store hint', () => {
    expect(receiptFor('romeo@example.net/orchard', 'richard2-4.1.247').toString()).toBe(
      '<message to="romeo@example.net/orchard" id="receipt-richard2-4.1.247">' +
        '<received xmlns="urn:xmpp:receipts" id="richard2-4.1.247"/>' +
        '<store xmlns="urn:xmpp:hints"/>' +
        '</message>'
    )
  })

  it('wantsReceipt only for a request in the receipts namespace', () => {
    expect(wantsReceipt(xml('message', {}, xml('body', {}, 'x'), xml('request', { xmlns: NS_RECEIPTS })))).toBe(true)
    expect(wantsReceipt(xml('message', {}, xml('request', { xmlns: 'urn:example' })))).toBe(false)
    expect(wantsReceipt(xml('message', {}, xml('body', {}, 'x')))).toBe(false)
  })

  it('receivedId reads the id on <received/>', () => {
    expect(receivedId(xml('message', { id: 'outer' }, xml('received', { xmlns: NS_RECEIPTS, id: 'inner' })))).toBe('inner')
  })

  it('receivedId falls back to the message id for old senders (§5.1)', () => {
    expect(receivedId(xml('message', { id: 'outer' }, xml('received', { xmlns: NS_RECEIPTS })))).toBe('outer')
    expect(receivedId(xml('message', { id: 'outer' }, xml('received', { xmlns: NS_RECEIPTS, id: '' })))).toBe('outer')
  })

  it('receivedId is null when the message is no receipt or carries no id at all', () => {
    expect(receivedId(xml('message', { id: 'm' }, xml('body', {}, 'x')))).toBeNull()
    expect(receivedId(xml('message', { id: 'm' }, xml('received', { xmlns: 'urn:example', id: 'x' })))).toBeNull()
    expect(receivedId(xml('message', {}, xml('received', { xmlns: NS_RECEIPTS })))).toBeNull()
  })
})
