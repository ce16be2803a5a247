// SCRAM as RFC 5802 / RFC 7677 require it, against a server side computed independently in script.ts: the nonce
// must extend ours, the iteration count must be at least 4096, and the server must prove it knows the password
// before the session goes on (finding 5). SHA-256 is preferred, and PLAIN is never used while SCRAM is offered.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import type { Core } from '../../../../../src/main/core/createCore'
import { XmppSocket } from '../../../../../src/main/core/net/XmppSocket'
import { startFakeServer, type FakeServer } from '../../../../helpers/fakeServer'
import { attr, fakeCore, loginPeer, observed, processWatch, rejection, type ScramServerOptions } from './script'

const PASSWORD = 'Canary-pa55word-SCRAM'

const watch = processWatch()
let server: FakeServer | null = null
let core: Core | null = null
let socketWrites: MockInstance<XmppSocket['write']>

beforeAll(() => watch.install())
afterAll(() => {
  watch.uninstall()
  expect(watch.calls()).toEqual([])
})
beforeEach(async () => {
  socketWrites = vi.spyOn(XmppSocket.prototype, 'write')
  server = await startFakeServer()
  core = fakeCore([server.certPem])
})
afterEach(async () => {
  socketWrites.mockRestore()
  await core?.accounts.stopAll()
  await server?.close()
  core = null
  server = null
  expect(watch.calls()).toEqual([])
})

const written = (): string => socketWrites.mock.calls.map(([data]) => String(data)).join('')

/** One sign-in against a server that offers `offered` after TLS and plays SCRAM with `scram`. */
async function attempt(offered: string[], scram: ScramServerOptions = {}) {
  if (!server || !core) throw new Error('no server')
  const signIn = observed(
    core.accounts.signIn({ jid: 'alice@localhost', password: PASSWORD, server: { host: '127.0.0.1', port: server.port, tls: 'starttls' } })
  )
  const peer = await server.nextPeer()
  const login = observed(loginPeer(peer, { mechanisms: offered, password: PASSWORD, scram }))
  return { signIn, login, peer }
}

/** The mechanism the client picked, from its <auth/>. */
function chosen(text: string): string | undefined {
  const auth = /<auth [^>]*>/.exec(text)?.[0]
  return auth ? attr(auth, 'mechanism') : undefined
}

describe('SCRAM checks', () => {
  it('refuses a server nonce that does not extend the client nonce, without sending a proof', async () => {
    const { signIn, peer } = await attempt(['SCRAM-SHA-1'], { foreignNonce: true })
    const err = await rejection(signIn)
    expect(err).toMatchObject({ code: 'server-not-authentic', condition: 'nonce-mismatch' })
    await peer.closed
    expect(peer.receivedText()).toContain('<auth ')
    expect(peer.receivedText()).not.toContain('<response')
    expect(written()).not.toContain('<response')
  })

  it('refuses an iteration count below 4096 (RFC 7677), without sending a proof', async () => {
    const { signIn, peer } = await attempt(['SCRAM-SHA-256'], { iterations: 4095 })
    const err = await rejection(signIn)
    expect(err).toMatchObject({ code: 'server-not-authentic', condition: 'iteration-count-too-low' })
    await peer.closed
    expect(peer.receivedText()).not.toContain('<response')
    expect(written()).not.toContain('<response')
  })

  it('refuses a wrong server signature and goes no further: no stream restart, no resource binding', async () => {
    const { signIn, peer } = await attempt(['SCRAM-SHA-1'], { badSignature: true })
    const err = await rejection(signIn)
    expect(err).toMatchObject({ code: 'server-not-authentic', condition: 'server-signature-mismatch' })
    await peer.closed
    const text = peer.receivedText()
    const afterProof = text.slice(text.indexOf('</response>'))
    expect(text).toContain('</response>')
    expect(afterProof).not.toMatch(/<stream:stream|<iq/)
    expect(written().slice(written().indexOf('</response>'))).not.toMatch(/<stream:stream|<iq/)
    expect(core?.accounts.list()).toEqual([])
  })

  it.each(['SCRAM-SHA-1', 'SCRAM-SHA-256'])('logs in with a correct %s exchange', async (mechanism) => {
    const { signIn, login } = await attempt([mechanism], { iterations: 4096 })
    const id = await signIn
    const session = await login
    expect(core?.accounts.get(id).connectionState()).toMatchObject({ state: 'online', jid: session.boundJid })
    expect(chosen(session.peer.receivedText())).toBe(mechanism)
  })
})

describe('mechanism choice', () => {
  it('prefers SCRAM-SHA-256 when SCRAM-SHA-1 and PLAIN are offered too', async () => {
    const { signIn, login } = await attempt(['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256'])
    await signIn
    expect(chosen((await login).peer.receivedText())).toBe('SCRAM-SHA-256')
  })

  it('uses SCRAM-SHA-1, not PLAIN, when those two are offered', async () => {
    const { signIn, login, peer } = await attempt(['PLAIN', 'SCRAM-SHA-1'])
    await signIn
    await login
    expect(chosen(peer.receivedText())).toBe('SCRAM-SHA-1')
    // PLAIN would have put the password (base64 of "\0alice\0password") on the wire.
    expect(peer.received().includes(Buffer.from(`\0alice\0${PASSWORD}`).toString('base64'))).toBe(false)
    expect(peer.received().includes(PASSWORD)).toBe(false)
  })
})
