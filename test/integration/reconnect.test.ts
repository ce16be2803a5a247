import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectionState } from '../../src/shared/model/connection'
import type { Core } from '../../src/main/core/createCore'
import { makeCore, nextEvent, reachState, serverOf, targetOf, uniqueUser } from '../helpers/core'
import { startProsody, type ProsodyServer } from '../helpers/prosody'
import { target } from '../helpers/target'

// Needs a server of its own: these tests stop and restart it.
describe.skipIf(target().external)('connection life cycle', () => {
  let server: ProsodyServer
  const cores: Core[] = []
  const core = (): Core => {
    const c = makeCore(targetOf(server))
    cores.push(c)
    return c
  }
  const account = async (c: Core, name = uniqueUser()) => {
    const t = targetOf(server)
    const jid = `${name}@${t.domain}`
    server.register(name, t.domain, 'pw')
    const id = await c.accounts.signIn({ jid, password: 'pw', server: serverOf(t) })
    return { id, jid, account: c.accounts.get(id) }
  }

  beforeAll(async () => {
    server = await startProsody()
  })
  afterAll(async () => {
    await Promise.all(cores.map((c) => c.accounts.stopAll()))
    await server.cleanup()
  })

  it('resumes the session after the network drops, and gets what was sent meanwhile', async () => {
    const a = core()
    const b = core()
    const alice = await account(a)
    const bob = await account(b)
    // Stream management must be on before the drop for a resumption.
    await new Promise<void>((resolve) => (alice.account.client.sm.enabled ? resolve() : alice.account.client.sm.once('enabled', () => resolve())))
    const resumed = nextEvent(a, 'connectionState', (e) => e.account === alice.id && e.state.state === 'online', 20_000)
    const states: string[] = []
    a.events.on('connectionState', (e) => states.push(e.state.state))
    alice.account.client.entity.socket?.destroy()
    const during = nextEvent(a, 'message', (e) => e.message.body === 'sent while you were away', 20_000)
    b.conversations.send(bob.id, alice.jid, 'sent while you were away')
    const up = await resumed
    expect(states[0]).toBe('reconnecting')
    expect((up.state as Extract<ConnectionState, { state: 'online' }>).resumed).toBe(true)
    await during
  })

  it('reconnects after the server restarts and delivers what was queued while it was down', async () => {
    const a = core()
    const b = core()
    const alice = await account(a)
    const bob = await account(b)
    const reconnecting = nextEvent(a, 'connectionState', (e) => e.account === alice.id && e.state.state === 'reconnecting', 10_000)
    await server.stop()
    const r = await reconnecting
    expect(r.state.state === 'reconnecting' && r.state.at).toBeGreaterThan(Date.now() - 1000)
    const body = 'queued while the server was down'
    const queued = a.conversations.send(alice.id, bob.jid, body)
    expect(queued.state).toBe('queued')
    // Every copy Bob's history takes in as new (live, offline storage, the archive catch-up).
    const added: string[] = []
    b.conversations.on('messages', (list) => added.push(...list.filter((m) => m.body === body).map((m) => m.id)))
    const delivered = nextEvent(b, 'message', (e) => e.message.body === body, 40_000)
    await server.restart()
    await reachState(a, alice.id, 'online', 40_000)
    await reachState(b, bob.id, 'online', 40_000)
    const got = await delivered
    expect(got.message.id).toBe(queued.id)
    // Exactly once: give resends (the outbox, stream management) and the archive catch-up time to
    // bring further copies, then neither side may show it twice.
    await new Promise((r) => setTimeout(r, 3_000))
    expect(added).toEqual([queued.id])
    const theirs = await b.conversations.history({ account: bob.id, peer: alice.jid })
    expect(theirs.filter((m) => m.body === body).map((m) => [m.id, m.direction])).toEqual([[queued.id, 'in']])
    const ours = await a.conversations.history({ account: alice.id, peer: bob.jid })
    expect(ours.filter((m) => m.body === body).map((m) => m.id)).toEqual([queued.id])
    expect(['sent', 'acked', 'delivered', 'read']).toContain(ours.find((m) => m.id === queued.id)?.state)
  }, 90_000)

  it('runs two accounts in one manager; one failing leaves the other alone', async () => {
    const c = core()
    const good = await account(c)
    const t = targetOf(server)
    const name = uniqueUser()
    server.register(name, t.domain, 'right')
    const changes: string[] = []
    c.events.on('connectionState', (e) => {
      if (e.account === good.id) changes.push(e.state.state)
    })
    await expect(c.accounts.signIn({ jid: `${name}@${t.domain}`, password: 'wrong', server: serverOf(t) })).rejects.toMatchObject({ code: 'not-authorized' })
    const second = await c.accounts.signIn({ jid: `${name}@${t.domain}`, password: 'right', server: serverOf(t) })
    expect(c.accounts.list().map((s) => s.state.state)).toEqual(['online', 'online'])
    await c.accounts.setEnabled(second, false)
    expect(c.accounts.get(second).connectionState().state).toBe('disabled')
    expect(changes).toEqual([])
    expect(good.account.connectionState().state).toBe('online')
  })

  it('changes the password and deletes the account on the server', async () => {
    const c = core()
    const t = targetOf(server)
    const { id, jid } = await account(c)
    await c.accounts.changePassword(id, 'new-pw')
    const other = core()
    await expect(other.accounts.signIn({ jid, password: 'pw', server: serverOf(t) })).rejects.toMatchObject({ code: 'not-authorized' })
    const again = await other.accounts.signIn({ jid, password: 'new-pw', server: serverOf(t) })
    await other.accounts.remove(again, true)
    expect(other.accounts.list()).toEqual([])
    const third = core()
    await expect(third.accounts.signIn({ jid, password: 'new-pw', server: serverOf(t) })).rejects.toMatchObject({ code: 'account-not-found' })
  })
})
