// Proves the scripted fake server itself with a bare net/tls client, so that client tests built on it can trust
// what it records and how it upgrades.
import net from 'node:net'
import tls from 'node:tls'
import { afterEach, describe, expect, it } from 'vitest'
import {
  PROCEED,
  acceptStream,
  features,
  startFakeServer,
  starttlsFeature,
  streamHeader,
  type FakeServer
} from '../../../helpers/fakeServer'

const CLIENT_HEADER =
  "<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' " +
  "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
const STARTTLS = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"

// Minimal client side: collects text and waits for a substring.
function collect(socket: net.Socket): (needle: string) => Promise<string> {
  let text = ''
  let wake: (() => void) | null = null
  socket.on('data', (d: Buffer) => {
    text += d.toString('utf8')
    wake?.()
  })
  return async (needle) => {
    while (!text.includes(needle)) await new Promise<void>((r) => (wake = r))
    const end = text.indexOf(needle) + needle.length
    const out = text.slice(0, end)
    text = text.slice(end)
    return out
  }
}

function connectPlain(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s))
    s.once('error', reject)
  })
}

function connectTls(opts: tls.ConnectionOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect(opts, () => resolve(s))
    s.once('error', reject)
  })
}

let server: FakeServer | null = null
afterEach(async () => {
  await server?.close()
  server = null
})

describe('fake XMPP server', () => {
  it('upgrades with STARTTLS and records the bytes before and after in order', async () => {
    server = await startFakeServer()
    const raw = await connectPlain(server.port)
    const readPlain = collect(raw)
    const peer = await server.nextPeer()

    raw.write(CLIENT_HEADER)
    expect(await acceptStream(peer, 'localhost', 's1')).toBe(CLIENT_HEADER)
    await peer.write(features(starttlsFeature()))
    expect(await readPlain('</stream:features>')).toContain("from='localhost' id='s1'")

    raw.write(STARTTLS)
    await peer.readUntil(STARTTLS)
    await peer.write(PROCEED)
    await readPlain('<proceed')
    raw.removeAllListeners('data')
    const [secure] = await Promise.all([
      connectTls({ socket: raw, ca: server.certPem, servername: 'localhost' }),
      peer.startTls()
    ])
    expect(secure.getPeerX509Certificate()?.fingerprint256).toBe(server.fingerprint256)

    const readSecure = collect(secure)
    secure.write(CLIENT_HEADER.replace("<?xml version='1.0'?>", '') + '<iq/>')
    const afterTls = await peer.readUntil(/<iq\/>/)
    expect(afterTls).toMatch(/^<stream:stream to='localhost'/)
    await peer.write(streamHeader('localhost', 's2'))
    expect(await readSecure("id='s2'")).toContain('<stream:stream')

    const all = peer.receivedText()
    expect(all).toBe(CLIENT_HEADER + STARTTLS + afterTls)
    expect(peer.received().includes(0x16)).toBe(false) // no TLS records in the transcript
    secure.end()
    await peer.closed
  })

  it('hands a ClientHello that raced ahead of startTls() to the TLS layer', async () => {
    server = await startFakeServer()
    const raw = await connectPlain(server.port)
    const readPlain = collect(raw)
    const peer = await server.nextPeer()
    raw.write(STARTTLS)
    await peer.readUntil(STARTTLS)
    await peer.write(PROCEED)
    await readPlain('<proceed')
    raw.removeAllListeners('data')
    const connecting = connectTls({ socket: raw, ca: server.certPem, servername: 'fake.test' })
    await new Promise((r) => setTimeout(r, 50)) // the ClientHello arrives before the server side is ready
    await peer.startTls()
    const secure = await connecting
    expect(peer.receivedText()).toBe(STARTTLS)
    secure.destroy()
  })

  it('speaks direct TLS from the first byte', async () => {
    server = await startFakeServer({ directTls: true })
    const secure = await connectTls({ port: server.port, host: '127.0.0.1', ca: server.certPem })
    expect(secure.getPeerX509Certificate()?.fingerprint256).toBe(server.fingerprint256)
    const read = collect(secure)
    const peer = await server.nextPeer()
    secure.write(CLIENT_HEADER)
    await acceptStream(peer, 'fake.test')
    expect(await read("from='fake.test'")).toContain('<stream:stream')
    expect(peer.receivedText()).toBe(CLIENT_HEADER)
    await expect(peer.startTls()).rejects.toThrow(/already active/)
    secure.end()
    await peer.closed
  })

  it('sees a client that refuses the certificate hang up', async () => {
    server = await startFakeServer({ directTls: true })
    const refused = connectTls({ port: server.port, host: '127.0.0.1' }) // system CAs only
    await expect(refused).rejects.toThrow(/self-signed certificate/)
    const peer = await server.nextPeer()
    await peer.closed
    expect(peer.received().length).toBe(0)
  })

  it('reports a client that does not speak TLS on the direct TLS port', async () => {
    server = await startFakeServer({ directTls: true })
    const raw = await connectPlain(server.port)
    raw.on('error', () => {})
    raw.write(CLIENT_HEADER)
    const peer = await server.nextPeer()
    await expect(peer.readUntil('<stream:stream')).rejects.toThrow(/closed first \(TLS error: .*wrong version number/)
    expect(peer.tlsError).toBeInstanceOf(Error)
  })

  it('fails readUntil with a clear error on timeout and on close', async () => {
    server = await startFakeServer()
    const raw = await connectPlain(server.port)
    const peer = await server.nextPeer()
    raw.write('<stream:stream partial')
    await expect(peer.readUntil('<never/>', 100)).rejects.toThrow(
      'readUntil(<never/>): timed out after 100 ms; unread text: "<stream:stream partial"'
    )
    raw.end()
    await expect(peer.readUntil(/<never\/>/)).rejects.toThrow(/the connection closed first/)
    await expect(server.nextPeer(50)).rejects.toThrow(/no client connected .* within 50 ms/)
  })
})
