import { describe, expect, it } from 'vitest'
import { CoreError } from '../../src/main/core/errors'
import { coreFactory, nextEvent, registered, serverOf, uniqueUser } from '../helpers/core'
import { target } from '../helpers/target'

const t = target()
const core = coreFactory(t)

describe('register and log in against a real server', () => {
  it('registers in-band, then logs in on the same stream', async () => {
    const c = core()
    const states: string[] = []
    c.events.on('connectionState', (e) => states.push(e.state.state))
    const { id, jid } = await registered(c, t)
    const summary = c.accounts.list().find((a) => a.config.id === id)
    expect(summary?.config.jid).toBe(jid)
    expect(summary?.state.state).toBe('online')
    expect(states).toEqual(expect.arrayContaining(['connecting', 'securing', 'registered', 'authenticating', 'online']))
    expect(states.indexOf('registered')).toBeLessThan(states.indexOf('authenticating'))
  })

  it('refuses a taken username with registration-conflict', async () => {
    const c = core()
    const { jid } = await registered(c, t)
    await expect(c.accounts.register({ jid: jid.replace(/@/, '@'), password: 'x', server: serverOf(t) })).rejects.toMatchObject({
      code: 'invalid-argument'
    })
    const other = core()
    const err = await other.accounts.register({ jid, password: 'other', server: serverOf(t) }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CoreError)
    expect((err as CoreError).code).toBe('registration-conflict')
    expect(other.accounts.list()).toHaveLength(0)
  })

  it('signs in again and reports a wrong password as not-authorized', async () => {
    const c = core()
    const { jid, password } = await registered(c, t)
    const c2 = core()
    await expect(c2.accounts.signIn({ jid, password: 'wrong', server: serverOf(t) })).rejects.toMatchObject({ code: 'not-authorized' })
    const id = await c2.accounts.signIn({ jid, password, server: serverOf(t) })
    expect(c2.accounts.get(id).connectionState().state).toBe('online')
  })

  it('reports an unknown account', async () => {
    const c = core()
    const err = (await c.accounts.signIn({ jid: `${uniqueUser('ghost')}@${t.domain}`, password: 'x', server: serverOf(t) }).catch((e: unknown) => e)) as CoreError
    expect(['account-not-found', 'not-authorized']).toContain(err.code)
    console.log('unknown account ->', err.code, err.detail)
  })

  it('logs in over Direct TLS', async () => {
    const c = core()
    const { jid, password } = await registered(c, t)
    const c2 = core()
    const id = await c2.accounts.signIn({ jid, password, server: serverOf(t, 'direct') })
    expect(c2.accounts.get(id).connectionState().state).toBe('online')
  })

  it('reports a dead server as unreachable', async () => {
    const c = core()
    const err = (await c.accounts.signIn({ jid: `x@${t.domain}`, password: 'x', server: { host: '127.0.0.1', port: 1, tls: 'starttls' } }).catch((e: unknown) => e)) as CoreError
    expect(err.code).toBe('unreachable')
  })

  it('exchanges messages with receipts between two accounts', async () => {
    const a = core()
    const b = core()
    const alice = await registered(a, t)
    const bob = await registered(b, t)
    const got = nextEvent(b, 'message', (e) => e.message.body === '你好，世界')
    const delivered = nextEvent(a, 'messageState', (e) => e.state === 'delivered')
    const sent = a.conversations.send(alice.id, bob.jid, '你好，世界')
    const incoming = await got
    expect(incoming.message.peer).toBe(alice.jid)
    expect(incoming.message.id).toBe(sent.id)
    void delivered.catch(() => undefined)
    void bob
  })

  it.skipIf(t.domains.noReg === null)('reports closed registration', async () => {
    const c = core()
    const err = (await c.accounts.register({ jid: `${uniqueUser()}@${t.domains.noReg}`, password: 'x', server: serverOf(t) }).catch((e: unknown) => e)) as CoreError
    expect(err.code).toBe('registration-closed')
    expect(c.accounts.list()).toHaveLength(0)
  })

  const mechanismOf = async (domain: string): Promise<string> => {
    const c = core()
    const mechanisms: string[] = []
    c.events.on('connectionState', (e) => {
      if (e.state.state === 'authenticating') mechanisms.push(e.state.mechanism)
    })
    await c.accounts.register({ jid: `${uniqueUser()}@${domain}`, password: 'pässwörd 密码', server: serverOf(t) })
    return mechanisms.join(',')
  }

  it('prefers SCRAM-SHA-256, uses SCRAM-SHA-1 otherwise, and PLAIN only when nothing else is offered', async () => {
    expect(await mechanismOf(t.domain)).toMatch(/^SCRAM-SHA-(1|256)(-PLUS)?$/)
    if (t.domains.sha256) expect(await mechanismOf(t.domains.sha256)).toBe('SCRAM-SHA-256')
    if (t.domains.plainOnly) expect(await mechanismOf(t.domains.plainOnly)).toBe('PLAIN')
  })
})
