// TLS is required and verified against the JID domain before a single stream byte goes inside it (findings 6 and
// 7, "TLS certificate validation" and "STARTTLS stripping" rules), with the user's pin as the only exception.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import type { Core } from '../../../../../src/main/core/createCore'
import {
  PROCEED,
  acceptStream,
  features,
  mechanisms,
  startFakeServer,
  starttlsFeature,
  type FakePeer,
  type FakeServer
} from '../../../../helpers/fakeServer'
import { XmppSocket } from '../../../../../src/main/core/net/XmppSocket'
import { fakeCore, loginPeer, observed, processWatch, rejection } from './script'

const PASSWORD = 'Canary-pa55word-TLS'
const STARTTLS_ELEMENT = '<starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"/>'
const OTHER_FINGERPRINT = Array.from({ length: 32 }, () => 'AB').join(':')

const watch = processWatch()
let server: FakeServer | null = null
let core: Core | null = null

let socketWrites: MockInstance<XmppSocket['write']>
beforeAll(() => watch.install())
// What the client hands its socket, in order: the white-box half of "nothing was written inside a refused TLS
// session" (a write racing the client's own destroy() might never reach the fake server).
beforeEach(() => {
  socketWrites = vi.spyOn(XmppSocket.prototype, 'write')
})
afterAll(() => {
  watch.uninstall()
  expect(watch.calls()).toEqual([])
})
afterEach(async () => {
  socketWrites.mockRestore()
  await core?.accounts.stopAll()
  await server?.close()
  core = null
  server = null
  expect(watch.calls()).toEqual([])
})

const over = (s: FakeServer, tls: 'starttls' | 'direct' = 'starttls') => ({ host: '127.0.0.1', port: s.port, tls })

/** Plays the server up to the end of the TLS handshake on a STARTTLS connection. */
async function upToTls(peer: FakePeer, domain: string): Promise<void> {
  await acceptStream(peer, domain)
  await peer.write(features(starttlsFeature()))
  await peer.readUntil(STARTTLS_ELEMENT)
  await peer.write(PROCEED)
  // The client hangs up as soon as it has seen the certificate, possibly before our side of the handshake is done.
  await peer.startTls().catch(() => undefined)
}

/** Everything the client wrote to its socket, as text. */
const written = (): string[] => socketWrites.mock.calls.map(([data]) => String(data))

/** The password in every form a SASL mechanism would put it on the wire. */
function passwordForms(user: string): Buffer[] {
  return [
    Buffer.from(PASSWORD),
    Buffer.from(Buffer.from(`\0${user}\0${PASSWORD}`).toString('base64')),
    Buffer.from(Buffer.from(PASSWORD).toString('base64'))
  ]
}

describe('TLS is required', () => {
  it('refuses a server without STARTTLS before any SASL byte, even when it offers SCRAM', async () => {
    server = await startFakeServer()
    core = fakeCore([server.certPem])
    const signIn = observed(core.accounts.signIn({ jid: 'alice@localhost', password: PASSWORD, server: over(server) }))
    const peer = await server.nextPeer()
    await acceptStream(peer, 'localhost')
    await peer.write(features(mechanisms('PLAIN', 'SCRAM-SHA-1')))

    expect(await rejection(signIn)).toMatchObject({ code: 'tls-required' })
    await peer.closed
    const bytes = peer.received()
    expect(bytes.includes('<auth')).toBe(false)
    expect(bytes.includes('urn:ietf:params:xml:ns:xmpp-sasl')).toBe(false)
    expect(bytes.includes('n=alice')).toBe(false)
    for (const form of passwordForms('alice')) expect(bytes.includes(form)).toBe(false)
    // The only thing the client ever said is its stream header.
    expect(peer.receivedText()).toMatch(/^<\?xml version='1.0'\?><stream:stream [^>]*>(<\/stream:stream>)?$/)
  })
})

describe('certificate verification', () => {
  it('refuses a certificate that does not name the JID domain, and writes nothing inside that TLS session', async () => {
    server = await startFakeServer()
    core = fakeCore([server.certPem])
    const signIn = observed(core.accounts.signIn({ jid: 'alice@other.test', password: PASSWORD, server: over(server) }))
    const peer = await server.nextPeer()
    await upToTls(peer, 'other.test')

    const err = await rejection(signIn)
    expect(err.code).toBe('tls-untrusted')
    expect(err.cert).toMatchObject({ fingerprint256: server.fingerprint256, subject: 'CN=localhost', issuer: 'CN=localhost' })
    expect(err.cert?.reason).toBe('ERR_TLS_CERT_ALTNAME_INVALID')
    expect(err.cert?.subjectAltName).toContain('DNS:fake.test')
    expect(err.cert?.validFrom).toBeLessThan(Date.now())
    expect(err.cert?.validTo).toBeGreaterThan(Date.now())
    await peer.closed
    // Decrypted bytes would be recorded after <starttls/>: there are none, so no header and no SASL went in.
    const text = peer.receivedText()
    expect(text.endsWith(STARTTLS_ELEMENT)).toBe(true)
    expect(text.match(/<stream:stream/g)).toHaveLength(1)
    expect(peer.received().includes(PASSWORD)).toBe(false)
    // And the client did not even try: its last write is the <starttls/> in clear text.
    expect(written()).toHaveLength(2)
    expect(written()[1]).toBe(STARTTLS_ELEMENT)
  })

  it('refuses a self-signed certificate that no configured CA vouches for', async () => {
    server = await startFakeServer()
    core = fakeCore([])
    const signIn = observed(core.accounts.signIn({ jid: 'alice@localhost', password: PASSWORD, server: over(server) }))
    const peer = await server.nextPeer()
    await upToTls(peer, 'localhost')

    const err = await rejection(signIn)
    expect(err.code).toBe('tls-untrusted')
    expect(err.cert?.reason).toBe('DEPTH_ZERO_SELF_SIGNED_CERT')
    expect(err.cert?.fingerprint256).toBe(server.fingerprint256)
    await peer.closed
    expect(peer.receivedText().endsWith(STARTTLS_ELEMENT)).toBe(true)
    expect(written().at(-1)).toBe(STARTTLS_ELEMENT)
  })

  it('accepts that certificate when the user pinned exactly its fingerprint', async () => {
    server = await startFakeServer()
    core = fakeCore([])
    const signIn = observed(core.accounts.signIn({
      jid: 'alice@localhost',
      password: PASSWORD,
      server: over(server),
      pinnedCertificate: server.fingerprint256.toLowerCase().replaceAll(':', '')
    }))
    const session = await loginPeer(await server.nextPeer())
    const id = await signIn
    expect(core.accounts.get(id).connectionState()).toMatchObject({ state: 'online', jid: session.boundJid })
  })

  it('reports a pin mismatch with both fingerprints when the certificate changed', async () => {
    server = await startFakeServer()
    core = fakeCore([])
    const signIn = observed(core.accounts.signIn({ jid: 'alice@localhost', password: PASSWORD, server: over(server), pinnedCertificate: OTHER_FINGERPRINT }))
    const peer = await server.nextPeer()
    await upToTls(peer, 'localhost')

    const err = await rejection(signIn)
    expect(err.code).toBe('tls-pin-mismatch')
    expect(err.pinned).toBe(OTHER_FINGERPRINT)
    expect(err.cert?.fingerprint256).toBe(server.fingerprint256)
    expect(err.detail).toContain(OTHER_FINGERPRINT)
    expect(err.detail).toContain(server.fingerprint256)
    await peer.closed
    expect(peer.receivedText().endsWith(STARTTLS_ELEMENT)).toBe(true)
    expect(written().at(-1)).toBe(STARTTLS_ELEMENT)
  })
})

describe('direct TLS (XEP-0368)', () => {
  it('sends SNI = the JID domain and offers ALPN xmpp-client, though it dials an IP literal', async () => {
    server = await startFakeServer({ directTls: true })
    core = fakeCore([server.certPem])
    const signIn = observed(core.accounts.signIn({ jid: 'alice@fake.test', password: PASSWORD, server: over(server, 'direct') }))
    const peer = await server.nextPeer()
    await loginPeer(peer, { directTls: true, domain: 'fake.test' })
    await signIn
    expect(peer.servername).toBe('fake.test')
    expect(peer.alpnOffered).toEqual(['xmpp-client'])
  })

  it('refuses a certificate without the JID domain before writing the stream header', async () => {
    server = await startFakeServer({ directTls: true })
    core = fakeCore([server.certPem])
    const signIn = observed(core.accounts.signIn({ jid: 'alice@other.test', password: PASSWORD, server: over(server, 'direct') }))
    const peer = await server.nextPeer()

    const err = await rejection(signIn)
    expect(err.code).toBe('tls-untrusted')
    expect(err.cert?.fingerprint256).toBe(server.fingerprint256)
    await peer.closed
    expect(peer.servername).toBe('other.test')
    expect(peer.received().length).toBe(0)
    expect(written()).toEqual([])
  })
})
