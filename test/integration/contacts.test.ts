import { describe, expect, it } from 'vitest'
import type { Core } from '../../src/main/core/createCore'
import type { CoreError } from '../../src/main/core/errors'
import { coreFactory, nextEvent, registered, serverOf, uniqueUser } from '../helpers/core'
import { target } from '../helpers/target'

const t = target()
const core = coreFactory(t)

/** Two fresh accounts, each signed in through its own core (as two people on two machines). */
async function pair() {
  const a = core()
  const b = core()
  const alice = await registered(a, t, uniqueUser('alice'))
  const bob = await registered(b, t, uniqueUser('bob'))
  return { a, b, alice, bob, A: a.accounts.get(alice.id), B: b.accounts.get(bob.id) }
}

/** Alice and Bob subscribed to each other's presence. */
async function friends() {
  const p = await pair()
  const { a, b, alice, bob, A, B } = p
  const request = nextEvent(b, 'subscriptionRequest', (e) => e.request.jid === alice.jid)
  await A.roster.set(bob.jid, 'Bob', ['Friends'])
  await A.presence.subscribe(bob.jid, { message: 'Hi Bob, add me?', nick: 'Alice' })
  const req = await request
  expect(req.request.message).toBe('Hi Bob, add me?')
  expect(req.request.nick).toBe('Alice')
  const approved = nextEvent(a, 'subscription', (e) => e.jid === bob.jid && e.change === 'subscribed')
  const aliceSeesBob = nextEvent(a, 'presence', (e) => e.presence.jid === bob.jid && e.presence.show !== 'offline')
  await B.presence.approve(alice.jid)
  await approved
  await aliceSeesBob
  const back = nextEvent(a, 'subscriptionRequest', (e) => e.request.jid === bob.jid)
  await B.presence.subscribe(alice.jid)
  await back
  const bobSeesAlice = nextEvent(b, 'presence', (e) => e.presence.jid === alice.jid && e.presence.show !== 'offline')
  const both = (c: Core, jid: string) => nextEvent(c, 'rosterItem', (e) => 'item' in e && e.item.jid === jid && e.item.subscription === 'both')
  const mutual = Promise.all([both(a, bob.jid), both(b, alice.jid)])
  await A.presence.approve(bob.jid)
  await bobSeesAlice
  await mutual
  return p
}

describe('roster and presence', () => {
  it('adds a contact, subscribes both ways and sees presence change', async () => {
    const { a, alice, bob, A, B } = await friends()
    const item = A.roster.get(bob.jid)
    expect(item).toMatchObject({ jid: bob.jid, name: 'Bob', groups: ['Friends'], subscription: 'both' })
    expect(B.roster.get(alice.jid)?.subscription).toBe('both')
    const away = nextEvent(a, 'presence', (e) => e.presence.jid === bob.jid && e.presence.show === 'away')
    await B.setPresence({ show: 'away', status: '开会中', priority: 5 })
    const seen = await away
    expect(seen.presence.status).toBe('开会中')
    expect(seen.presence.resources[0]?.priority).toBe(5)
    const gone = nextEvent(a, 'presence', (e) => e.presence.jid === bob.jid && e.presence.show === 'offline')
    await B.stop()
    await gone
  })

  it('renames, regroups and removes a contact through roster pushes', async () => {
    const { a, bob, A } = await pair()
    await A.roster.set(bob.jid, 'Bob', [])
    const renamed = nextEvent(a, 'rosterItem', (e) => 'item' in e && e.item.name === 'Robert')
    await A.roster.set(bob.jid, 'Robert', ['Work', 'Chess'])
    const pushed = await renamed
    expect('item' in pushed && pushed.item.groups.sort()).toEqual(['Chess', 'Work'])
    const removed = nextEvent(a, 'rosterItem', (e) => 'removed' in e && e.removed === bob.jid)
    await A.roster.remove(bob.jid)
    await removed
    expect(A.roster.get(bob.jid)).toBeUndefined()
  })

  it('denies a subscription request', async () => {
    const { a, b, alice, bob, A, B } = await pair()
    const request = nextEvent(b, 'subscriptionRequest', (e) => e.request.jid === alice.jid)
    await A.presence.subscribe(bob.jid)
    await request
    expect(B.presence.pendingRequests().map((r) => r.jid)).toEqual([alice.jid])
    const denied = nextEvent(a, 'subscription', (e) => e.jid === bob.jid && e.change === 'unsubscribed')
    await B.presence.deny(alice.jid)
    await denied
    expect(B.presence.pendingRequests()).toEqual([])
  })
})

describe('messages', () => {
  it('goes both ways with delivery receipts', async () => {
    const { a, b, alice, bob } = await friends()
    const toBob = nextEvent(b, 'message', (e) => e.message.body === '你好，Bob 🌏')
    const delivered = nextEvent(a, 'messageState', (e) => e.state === 'delivered')
    const sent = a.conversations.send(alice.id, bob.jid, '你好，Bob 🌏')
    const got = await toBob
    expect(got.message).toMatchObject({ peer: alice.jid, direction: 'in', id: sent.id, originId: sent.id, receiptRequested: true })
    expect((await delivered).id).toBe(sent.id)

    const toAlice = nextEvent(a, 'message', (e) => e.message.body === '/me waves')
    const back = b.conversations.send(bob.id, alice.jid, '/me waves')
    const reply = await toAlice
    expect(reply.message.action).toBe(true)
    expect(reply.message.id).toBe(back.id)
    await nextEvent(b, 'messageState', (e) => e.id === back.id && e.state === 'delivered')
  })

  it('sends no receipt to a stranger (XEP-0184 §8)', async () => {
    const { a, b, alice, bob } = await pair()
    const got = nextEvent(b, 'message', (e) => e.message.body === 'hello stranger')
    const sent = a.conversations.send(alice.id, bob.jid, 'hello stranger')
    await got
    await expect(nextEvent(a, 'messageState', (e) => e.id === sent.id && e.state === 'delivered', 1_500)).rejects.toThrow(/no messageState/)
  })

  it('attaches an error bounce to the message it belongs to', async () => {
    const { a, alice } = await pair()
    const ghost = `${uniqueUser('ghost')}@${t.domain}`
    const sent = a.conversations.send(alice.id, `${ghost}/nowhere`, 'anyone?')
    const failed = await nextEvent(a, 'messageState', (e) => e.id === sent.id && e.state === 'failed')
    expect(failed.error?.code).toBe('stanza-error')
    expect(failed.error?.condition).toBeTruthy()
  })

  it('forwards typing notifications', async () => {
    const { b, alice, bob, A } = await friends()
    const typing = nextEvent(b, 'chatState', (e) => e.peer === alice.jid && e.state === 'composing')
    await A.chat.sendChatState(bob.jid, 'composing')
    await typing
  })
})

describe('blocking (XEP-0191)', () => {
  it('blocks, stops delivery both ways, and unblocks', async () => {
    const { a, b, alice, bob, A } = await friends()
    const listed = nextEvent(a, 'blocklist', (e) => e.jids.includes(bob.jid))
    await A.blocking.block([bob.jid])
    await listed
    expect(A.blocking.isBlocked(`${bob.jid}/phone`)).toBe(true)

    const bounced = b.conversations.send(bob.id, alice.jid, 'are you there?')
    const failed = await nextEvent(b, 'messageState', (e) => e.id === bounced.id && e.state === 'failed')
    expect(failed.error?.condition).toBe('service-unavailable')
    const outgoing = a.conversations.send(alice.id, bob.jid, 'you cannot get this')
    const refused = await nextEvent(a, 'messageState', (e) => e.id === outgoing.id && e.state === 'failed')
    expect(refused.error?.condition).toBe('not-acceptable')

    await A.blocking.unblock([bob.jid])
    expect(A.blocking.blocked()).toEqual([])
    const again = nextEvent(a, 'message', (e) => e.message.body === 'now?')
    b.conversations.send(bob.id, alice.jid, 'now?')
    await again
  })

  it.skipIf(t.domains.noBlocking === null)('reports a server without blocking as unsupported', async () => {
    const c = core()
    const user = uniqueUser()
    const id = await c.accounts.register({ jid: `${user}@${t.domains.noBlocking}`, password: 'pw', server: serverOf(t) })
    const err = (await c.accounts.get(id).blocking.block([`x@${t.domain}`]).catch((e: unknown) => e)) as CoreError
    expect(err.code).toBe('unsupported')
  })
})

describe('service discovery and capabilities', () => {
  it('asks the server and a contact what they support, and answers for Parley', async () => {
    const { bob, A, B } = await friends()
    expect(await A.disco.serverSupports('urn:xmpp:blocking')).toBe(true)
    const server = await A.disco.info(t.domain)
    expect(server.identities.some((i) => i.category === 'server')).toBe(true)
    const bobFull = B.client.entity.jid?.toString() ?? ''
    expect(bobFull.startsWith(bob.jid + '/')).toBe(true)
    const info = await A.disco.info(bobFull)
    expect(info.identities).toEqual([{ category: 'client', type: 'pc', name: 'Parley' }])
    expect(info.features).toEqual(expect.arrayContaining(['urn:xmpp:receipts', 'urn:xmpp:ping', 'http://jabber.org/protocol/caps']))
    // The caps hash in Bob's presence matches what he answers (XEP-0115 §5).
    const { capsVer } = await import('../../src/main/core/xep/0115-caps')
    expect(capsVer(info.identities, info.features)).toBe(B.disco.ver())
    expect(await A.ping.ping(bobFull)).toBeLessThan(5_000)
  })
})

