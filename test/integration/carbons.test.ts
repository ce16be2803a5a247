import { describe, expect, it } from 'vitest'
import { coreFactory, nextEvent, reachState, registered, serverOf, until } from '../helpers/core'
import { target } from '../helpers/target'

const t = target()
const core = coreFactory(t)

describe('message carbons (XEP-0280)', () => {
  it('shows each session of one account what the other sent and received', async () => {
    const phone = core()
    const alice = await registered(phone, t)
    const desktop = core()
    const aliceDesktop = await desktop.accounts.signIn({ jid: alice.jid, password: alice.password, server: serverOf(t) })
    const b = core()
    const bob = await registered(b, t)
    await new Promise((r) => setTimeout(r, 200)) // both sessions have enabled carbons
    const onDesktop = nextEvent(desktop, 'message', (e) => e.message.body === 'from the phone')
    const toBob = nextEvent(b, 'message', (e) => e.message.body === 'from the phone')
    phone.conversations.send(alice.id, bob.jid, 'from the phone')
    const copy = await onDesktop
    expect(copy.message).toMatchObject({ direction: 'out', peer: bob.jid, source: 'carbon' })
    expect(copy.account).toBe(aliceDesktop)
    await toBob
    // Bob answers the bare JID: every session gets it (Prosody delivers to all equal-priority
    // resources; a server that picks one sends the others a carbon).
    const both = Promise.all([
      nextEvent(phone, 'message', (e) => e.message.body === 'to both of you'),
      nextEvent(desktop, 'message', (e) => e.message.body === 'to both of you')
    ])
    b.conversations.send(bob.id, alice.jid, 'to both of you')
    const [p, d] = await both
    for (const e of [p, d]) expect(['live', 'carbon']).toContain(e.message.source)
    expect(p.message.direction).toBe('in')
    expect(d.message.peer).toBe(bob.jid)
  })

  it('enables carbons before the archive catch-up asks anything (nothing falls between the two)', async () => {
    const c = core()
    const alice = await registered(c, t)
    const account = c.accounts.get(alice.id)
    await until(() => c.store.archiveState(alice.id, alice.jid) !== null) // the first session's catch-up is done
    const carbonsAtQuery: boolean[] = []
    const query = account.mam.query.bind(account.mam)
    account.mam.query = (q, onResult) => {
      if (q.archive === alice.jid && q.with === undefined) carbonsAtQuery.push(account.carbons.active)
      return query(q, onResult)
    }
    // A new session (not resumed).
    await c.accounts.setEnabled(alice.id, false)
    await c.accounts.setEnabled(alice.id, true)
    await reachState(c, alice.id, 'online')
    await until(() => carbonsAtQuery.length > 0)
    expect(carbonsAtQuery).toEqual([true])
  })

  it('drops a carbon forged by a contact', async () => {
    const a = core()
    const alice = await registered(a, t)
    const b = core()
    const bob = await registered(b, t)
    const seen: string[] = []
    a.events.on('message', (e) => seen.push(e.message.body))
    const bobAccount = b.accounts.get(bob.id)
    const forged = `<message xmlns='jabber:client' to='${alice.jid}' type='chat'><received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' from='mallory@${t.domain}/x' to='${alice.jid}' type='chat'><body>forged</body></message></forwarded></received></message>`
    await bobAccount.client.entity.write(forged)
    const marker = nextEvent(a, 'message', (e) => e.message.body === 'genuine')
    b.conversations.send(bob.id, alice.jid, 'genuine')
    await marker
    expect(seen).toEqual(['genuine'])
  })
})
