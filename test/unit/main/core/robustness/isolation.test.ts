// Accounts share nothing: one account whose server sends hostile XML goes through its own stream error and
// reconnect while another account in the same core stays online and keeps working.
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, vi, type MockInstance } from 'vitest'
import type { Core } from '../../../../../src/main/core/createCore'
import { startFakeServer, type FakeServer } from '../../../../helpers/fakeServer'
import { StateLog, fakeCore, loginPeer, observed, processWatch, streamErrorCondition, type LoginOptions } from './script'

const watch = processWatch()
const servers: FakeServer[] = []
let core: Core | null = null
let log: StateLog | null = null
let random: MockInstance<() => number>

beforeAll(() => watch.install())
afterAll(() => {
  watch.uninstall()
  expect(watch.calls()).toEqual([])
})
beforeEach(() => {
  // Fixed backoff jitter: the hostile account retries after 525 ms.
  random = vi.spyOn(Math, 'random').mockReturnValue(0.01)
})
afterEach(async () => {
  await core?.accounts.stopAll()
  await Promise.all(servers.splice(0).map((s) => s.close()))
  log?.stop()
  random.mockRestore()
  core = null
  log = null
  expect(watch.calls()).toEqual([])
})

async function signIn(c: Core, server: FakeServer, jid: string, opts: LoginOptions) {
  const pending = observed(c.accounts.signIn({ jid, password: `pw-${jid}`, server: { host: '127.0.0.1', port: server.port, tls: 'starttls' } }))
  const session = await loginPeer(await server.nextPeer(), opts)
  const id = await pending
  await session.next((xml) => xml.startsWith('<presence'), 'initial presence')
  return { id, session }
}

it(
  'a server sending &lol; to one account does not disturb the other account in the same core',
  async () => {
    const evil = await startFakeServer()
    const good = await startFakeServer()
    servers.push(evil, good)
    core = fakeCore([evil.certPem, good.certPem])
    log = new StateLog(core)
    const victim = await signIn(core, evil, 'alice@localhost', {})
    const healthy = await signIn(core, good, 'bob@fake.test', { domain: 'fake.test', boundJid: 'bob@fake.test/r' })
    const mark = log.length

    await victim.session.write("<message from='mallory@localhost/x' type='chat'><body>&lol;</body></message>")
    expect(streamErrorCondition(await victim.session.nextStreamError())).toBe('restricted-xml')
    await log.wait(victim.id, 'reconnecting', mark)

    // While the victim is down, the healthy account still sends.
    core.conversations.send(healthy.id, 'carol@fake.test', 'still here')
    const message = await healthy.session.next((xml) => xml.startsWith('<message'), 'the message')
    expect(message).toContain('to="carol@fake.test"')
    expect(message).toContain('<body>still here</body>')

    // The victim comes back on its own connection…
    await loginPeer(await evil.nextPeer(10_000))
    await log.wait(victim.id, 'online', mark)
    // …and the healthy account never changed state, nor saw its stream disturbed.
    expect(log.of(healthy.id, mark)).toEqual([])
    expect(core.accounts.get(healthy.id).connectionState().state).toBe('online')
    expect(healthy.session.received.some((r) => r.kind === 'end' || r.xml.startsWith('<stream:error'))).toBe(false)
    expect(healthy.session.done).toBe(false)
  },
  15_000
)
