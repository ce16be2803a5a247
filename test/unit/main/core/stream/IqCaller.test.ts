import { EventEmitter } from 'node:events'
import jid, { type JID } from '@xmpp/jid'
import { afterEach, describe, expect, it } from 'vitest'
import { xml, type Element } from '../../../../../src/main/core/xml'
import { CoreError } from '../../../../../src/main/core/errors'
import { bareOfString, IqCaller, stanzaError } from '../../../../../src/main/core/stream/IqCaller'
import type { XmppConnection } from '../../../../../src/main/core/stream/XmppConnection'

const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** What IqCaller uses of an XmppConnection. */
class FakeEntity extends EventEmitter {
  readonly sent: Element[] = []
  jid: JID | null = jid('juliet@capulet.lit/balcony')
  accountJid = 'juliet@capulet.lit'
  readonly options = { domain: 'capulet.lit' }
  sendImpl: (el: Element) => Promise<void> = async () => undefined

  send(el: Element): Promise<void> {
    this.sent.push(el)
    return this.sendImpl(el)
  }
}

type Handler = (ctx: { stanza: Element }, next: () => Promise<unknown>) => unknown

function setup() {
  const entity = new FakeEntity()
  let handler: Handler | undefined
  const caller = new IqCaller(entity as unknown as XmppConnection, { use: (fn) => void (handler = fn) })
  /** Feeds an incoming stanza through the middleware; true when IqCaller passed it on. */
  const feed = async (stanza: Element): Promise<boolean> => {
    let passed = false
    await handler!({ stanza }, async () => {
      passed = true
    })
    return passed
  }
  const lastId = () => String(entity.sent.at(-1)?.attrs.id)
  return { entity, caller, feed, lastId }
}

/** Tracks whether a promise has settled, without leaving a rejection unhandled. */
function track<T>(p: Promise<T>) {
  const state = { settled: false, value: undefined as T | undefined, error: undefined as unknown }
  p.then(
    (v) => Object.assign(state, { settled: true, value: v }),
    (e: unknown) => Object.assign(state, { settled: true, error: e })
  )
  return state
}

const tick = () => new Promise((resolve) => setImmediate(resolve))
const result = (id: string, from?: string, ...children: Element[]) => xml('iq', { type: 'result', id, ...(from ? { from } : {}) }, ...children)
const query = () => xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })

describe('IqCaller: requests', () => {
  it('sends the iq with a random UUID id and resolves with the result from the asked JID', async () => {
    const { entity, caller, feed, lastId } = setup()
    const answer = caller.get(query(), 'pubsub.capulet.lit')
    expect(entity.sent).toHaveLength(1)
    expect(lastId()).toMatch(UUID)
    expect(entity.sent[0]!.toString()).toBe(`<iq type="get" to="pubsub.capulet.lit" id="${lastId()}"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`)
    const reply = result(lastId(), 'pubsub.capulet.lit', xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }, xml('feature', { var: 'x' })))
    expect(await feed(reply)).toBe(false)
    expect(await answer).toBe(reply)
  })

  it('set sends type=set, and without `to` no to attribute', async () => {
    const { entity, caller, feed, lastId } = setup()
    const answer = caller.set(xml('query', { xmlns: 'jabber:iq:roster' }))
    expect(entity.sent[0]!.toString()).toBe(`<iq type="set" id="${lastId()}"><query xmlns="jabber:iq:roster"/></iq>`)
    await feed(result(lastId()))
    await expect(answer).resolves.toBeDefined()
  })

  it('ids are unique UUIDs and replace an id the caller set', async () => {
    const { entity, caller } = setup()
    for (let i = 0; i < 50; i++) void caller.get(query(), 'capulet.lit', 60_000).catch(() => undefined)
    void caller.request(xml('iq', { type: 'get', id: 'predictable', to: 'capulet.lit' }, query())).catch(() => undefined)
    const ids = entity.sent.map((s) => String(s.attrs.id))
    expect(new Set(ids).size).toBe(51)
    for (const id of ids) expect(id).toMatch(UUID)
    entity.emit('offline')
  })

  it('matches the sender after normalisation', async () => {
    const { caller, feed, lastId } = setup()
    const answer = caller.get(query(), 'Romeo@Montague.LIT/Orchard')
    expect(await feed(result(lastId(), 'romeo@montague.lit/Orchard'))).toBe(false)
    await expect(answer).resolves.toBeDefined()
  })
})

describe('IqCaller: who may answer', () => {
  it('ignores a reply with the right id from someone else, then takes the genuine one', async () => {
    const { caller, feed, lastId } = setup()
    const state = track(caller.get(query(), 'romeo@montague.lit/orchard'))
    const id = lastId()
    expect(await feed(result(id, 'mallory@evil.example'))).toBe(true)
    expect(await feed(result(id, 'romeo@montague.lit'))).toBe(true) // bare ≠ the full JID we asked
    expect(await feed(result(id, 'romeo@montague.lit/other'))).toBe(true)
    expect(await feed(result(id))).toBe(true) // no from: that would be our server, not romeo
    await tick()
    expect(state.settled).toBe(false)
    const genuine = result(id, 'romeo@montague.lit/orchard')
    expect(await feed(genuine)).toBe(false)
    await tick()
    expect(state.value).toBe(genuine)
  })

  it.each([
    ['no from', undefined],
    ['our bare JID', 'juliet@capulet.lit'],
    ['our bare JID, other case', 'Juliet@Capulet.LIT'],
    ['our domain', 'capulet.lit']
  ])('a request without `to` accepts a reply from %s', async (_what, from) => {
    const { caller, feed, lastId } = setup()
    const answer = caller.get(xml('query', { xmlns: 'jabber:iq:roster' }))
    expect(await feed(result(lastId(), from))).toBe(false)
    await expect(answer).resolves.toBeDefined()
  })

  it.each([
    ['a contact', 'romeo@montague.lit'],
    ['a contact’s server', 'montague.lit'],
    ['our own full JID', 'juliet@capulet.lit/balcony'],
    ['a subdomain of ours', 'pubsub.capulet.lit'],
    ['garbage', 'not a jid@@']
  ])('a request without `to` ignores a reply from %s', async (_what, from) => {
    const { caller, feed, lastId } = setup()
    const state = track(caller.get(xml('query', { xmlns: 'jabber:iq:roster' })))
    expect(await feed(result(lastId(), from))).toBe(true)
    await tick()
    expect(state.settled).toBe(false)
  })

  it('a request to our own bare JID accepts a reply without from (the server answers for the account)', async () => {
    const { caller, feed, lastId } = setup()
    const answer = caller.get(xml('pubsub', { xmlns: 'http://jabber.org/protocol/pubsub' }), 'juliet@capulet.lit')
    expect(await feed(result(lastId()))).toBe(false)
    await expect(answer).resolves.toBeDefined()
  })

  it('before resource binding, our bare JID is the account JID', async () => {
    const { entity, caller, feed, lastId } = setup()
    entity.jid = null
    entity.accountJid = 'nurse@capulet.lit'
    const answer = caller.get(xml('query', { xmlns: 'jabber:iq:roster' }))
    expect(await feed(result(lastId(), 'juliet@capulet.lit'))).toBe(true)
    expect(await feed(result(lastId(), 'nurse@capulet.lit'))).toBe(false)
    await expect(answer).resolves.toBeDefined()
  })

  it('passes on what is not an answer to a pending request', async () => {
    const { caller, feed, lastId } = setup()
    void caller.get(query(), 'capulet.lit').catch(() => undefined)
    const id = lastId()
    expect(await feed(xml('message', { id, from: 'capulet.lit' }))).toBe(true)
    expect(await feed(xml('iq', { type: 'get', id, from: 'capulet.lit' }, query()))).toBe(true)
    expect(await feed(xml('iq', { type: 'set', id, from: 'capulet.lit' }, query()))).toBe(true)
    expect(await feed(xml('iq', { type: 'result', from: 'capulet.lit' }))).toBe(true)
    expect(await feed(result('unknown-id', 'capulet.lit'))).toBe(true)
  })
})

describe('IqCaller: failures', () => {
  it('type=error rejects with a stanza-error CoreError carrying the condition and text', async () => {
    const { caller, feed, lastId } = setup()
    const answer = caller.get(query(), 'capulet.lit')
    const error = xml(
      'iq',
      { type: 'error', id: lastId(), from: 'capulet.lit' },
      xml('error', { type: 'cancel' }, xml('item-not-found', { xmlns: NS_STANZAS }), xml('text', { xmlns: NS_STANZAS }, 'No such node'))
    )
    expect(await feed(error)).toBe(false)
    const err = await answer.then(
      () => null,
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(CoreError)
    expect(err).toMatchObject({ code: 'stanza-error', condition: 'item-not-found', detail: 'item-not-found: No such node' })
  })

  it('an error from someone else is ignored like a result', async () => {
    const { caller, feed, lastId } = setup()
    const state = track(caller.get(query(), 'capulet.lit'))
    const forged = xml('iq', { type: 'error', id: lastId(), from: 'mallory@evil.example' }, xml('error', { type: 'cancel' }, xml('forbidden', { xmlns: NS_STANZAS })))
    expect(await feed(forged)).toBe(true)
    await tick()
    expect(state.settled).toBe(false)
  })

  it('a malformed error (no condition) rejects with undefined-condition and does not throw', async () => {
    const { caller, feed, lastId } = setup()
    const answer = caller.get(query(), 'capulet.lit')
    const noCondition = xml('error', { type: 'cancel' }, xml('text', { xmlns: NS_STANZAS }, 'oops'))
    await expect(feed(xml('iq', { type: 'error', id: lastId(), from: 'capulet.lit' }, noCondition))).resolves.toBe(false)
    await expect(answer).rejects.toMatchObject({ code: 'stanza-error', condition: 'undefined-condition', detail: 'undefined-condition: oops' })
    const bare = caller.get(query(), 'capulet.lit')
    await feed(xml('iq', { type: 'error', id: lastId(), from: 'capulet.lit' }))
    await expect(bare).rejects.toMatchObject({ code: 'stanza-error', condition: 'undefined-condition', detail: 'undefined-condition' })
  })

  it('rejects with timeout when nobody answers, and forgets the request', async () => {
    const { caller, feed, lastId } = setup()
    const answer = caller.get(query(), 'capulet.lit', 20)
    await expect(answer).rejects.toMatchObject({ code: 'timeout' })
    await expect(answer).rejects.toThrow(/get query \(http:\/\/jabber.org\/protocol\/disco#info\)/)
    expect(await feed(result(lastId(), 'capulet.lit'))).toBe(true)
  })

  it('going offline rejects every pending request with not-connected', async () => {
    const { entity, caller, feed, lastId } = setup()
    const a = caller.get(query(), 'capulet.lit')
    const firstId = lastId()
    const b = caller.set(xml('query', { xmlns: 'jabber:iq:roster' }))
    entity.emit('offline')
    await expect(a).rejects.toMatchObject({ code: 'not-connected' })
    await expect(b).rejects.toMatchObject({ code: 'not-connected' })
    expect(await feed(result(firstId, 'capulet.lit'))).toBe(true)
  })

  it('a failing send rejects with that error and leaves nothing pending', async () => {
    const { entity, caller, feed, lastId } = setup()
    const failure = new Error('socket closed')
    entity.sendImpl = async () => {
      throw failure
    }
    await expect(caller.get(query(), 'capulet.lit')).rejects.toBe(failure)
    expect(await feed(result(lastId(), 'capulet.lit'))).toBe(true)
  })

  describe('while the send is still in progress', () => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => void unhandled.push(reason)
    afterEach(() => {
      process.off('unhandledRejection', onUnhandled)
      unhandled.length = 0
    })

    it('a timeout or going offline rejects the request without an unhandled rejection', async () => {
      process.on('unhandledRejection', onUnhandled)
      const { entity, caller } = setup()
      entity.sendImpl = () => new Promise((resolve) => setTimeout(resolve, 60))
      const timedOut = caller.get(query(), 'capulet.lit', 5)
      const dropped = caller.get(query(), 'capulet.lit')
      setTimeout(() => entity.emit('offline'), 20)
      await new Promise((resolve) => setTimeout(resolve, 40))
      await expect(timedOut).rejects.toMatchObject({ code: 'timeout' })
      await expect(dropped).rejects.toMatchObject({ code: 'not-connected' })
      expect(unhandled).toEqual([])
    })
  })
})

describe('stanzaError', () => {
  it('reads the defined condition whatever its position, and the text', () => {
    const stanza = xml(
      'message',
      { type: 'error' },
      xml(
        'error',
        { type: 'modify' },
        xml('text', { xmlns: NS_STANZAS }, 'Too long'),
        xml('too-long', { xmlns: 'urn:example:app' }),
        xml('policy-violation', { xmlns: NS_STANZAS })
      )
    )
    expect(stanzaError(stanza)).toMatchObject({ code: 'stanza-error', condition: 'policy-violation', detail: 'policy-violation: Too long' })
  })

  it('ignores conditions outside the stanzas namespace', () => {
    expect(stanzaError(xml('iq', {}, xml('error', {}, xml('item-not-found', {})))).condition).toBe('undefined-condition')
  })
})

describe('bareOfString', () => {
  it('is the normalised bare JID, or empty for garbage', () => {
    expect(bareOfString('Juliet@Capulet.LIT/Balcony')).toBe('juliet@capulet.lit')
    expect(bareOfString('capulet.lit')).toBe('capulet.lit')
    expect(bareOfString('@@')).toBe('')
    expect(bareOfString('')).toBe('')
  })
})
