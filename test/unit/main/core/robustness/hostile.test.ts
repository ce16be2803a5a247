// A logged-in account fed hostile or broken input by its server (findings 1–4 and 8, "Restricted XML", "UTF-8",
// "Stanza size", "Roster push" and "IQ responses" rules). Each violation must end the stream with its own RFC 6120
// condition, close the socket, and leave the account reconnecting (then online again on a fresh connection), with
// nothing escaping to the process.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import type { Core } from '../../../../../src/main/core/createCore'
import type { CoreEvents } from '../../../../../src/main/core/events'
import type { StreamParser } from '../../../../../src/main/core/stream/StreamParser'
import { XmppConnection } from '../../../../../src/main/core/stream/XmppConnection'
import type { AccountId } from '../../../../../src/shared/model/ids'
import { startFakeServer, type FakeServer } from '../../../../helpers/fakeServer'
import {
  StateLog,
  attr,
  fakeCore,
  isIq,
  loginPeer,
  observed,
  processWatch,
  streamErrorCondition,
  type LoginOptions,
  type ServerSession
} from './script'

const PASSWORD = 'Canary-pa55word-hostile'
const FROM_BOB = "from='bob@localhost/x' to='alice@localhost/r'"
const TEST_TIMEOUT = 15_000
const MIB = 1024 * 1024

const watch = processWatch()
let server: FakeServer | null = null
let core: Core | null = null
let log: StateLog | null = null
let random: MockInstance<() => number>
let reads: MockInstance<XmppConnection['_onData']>

beforeAll(() => watch.install())
afterAll(() => {
  watch.uninstall()
  expect(watch.calls()).toEqual([])
})
beforeEach(() => {
  // The reconnect backoff draws its jitter from Math.random when the account is created: a fixed draw makes the
  // first retry come after 525 ms (250 ms after a policy violation, which otherwise may wait up to 16 s).
  random = vi.spyOn(Math, 'random').mockReturnValue(0.01)
  reads = vi.spyOn(XmppConnection.prototype, '_onData')
})
afterEach(async () => {
  await core?.accounts.stopAll()
  await server?.close()
  log?.stop()
  random.mockRestore()
  reads.mockRestore()
  core = null
  server = null
  log = null
  expect(watch.calls()).toEqual([])
})

interface Online {
  id: AccountId
  session: ServerSession
}

/** Starts a fake server and a core, and signs alice@localhost in; resolves once her initial presence went out. */
async function online(opts: LoginOptions = {}): Promise<Online> {
  server = await startFakeServer()
  core = fakeCore([server.certPem])
  log = new StateLog(core)
  const signIn = observed(
    core.accounts.signIn({ jid: 'alice@localhost', password: PASSWORD, server: { host: '127.0.0.1', port: server.port, tls: 'starttls' } })
  )
  const session = await loginPeer(await server.nextPeer(), opts)
  const id = await signIn
  // Roster first, then presence (RFC 6121 §2.2): after this the login traffic is over.
  await session.next((xml) => xml.startsWith('<presence'), 'initial presence')
  return { id, session }
}

function need<T>(value: T | null): T {
  if (value === null) throw new Error('test setup missing')
  return value
}

/** Waits for the next `name` event of the core that `match` accepts. */
function nextCoreEvent<K extends keyof CoreEvents>(name: K, match: (e: CoreEvents[K]) => boolean = () => true): Promise<CoreEvents[K]> {
  const c = need(core)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`no ${name} event`))
    }, 8_000)
    const off = c.events.on(name, (e) => {
      if (!match(e)) return
      clearTimeout(timer)
      off()
      resolve(e)
    })
  })
}

/**
 * After the server sent something hostile: the client ends the stream with <COND/>, closes, goes to
 * `reconnecting` (no fatal state) and logs in again on a new connection.
 */
async function expectStreamEndedAndReconnect({ id, session }: Online, mark: number, condition: string): Promise<void> {
  const error = await session.nextStreamError()
  expect(streamErrorCondition(error)).toBe(condition)
  await session.next((_xml, kind) => kind === 'end', '</stream:stream>')
  await session.closed()
  await expectReconnect(id, mark, { code: 'bad-input', condition })
}

async function expectReconnect(id: AccountId, mark: number, reason: { code: string; condition: string }): Promise<void> {
  const states = need(log)
  const reconnecting = await states.wait(id, 'reconnecting', mark)
  expect(reconnecting.reason).toMatchObject(reason)
  await loginPeer(await need(server).nextPeer(10_000))
  await states.wait(id, 'online', mark)
  const names = states.of(id, mark).map((s) => s.state)
  expect(names[0]).toBe('reconnecting')
  expect(names.at(-1)).toBe('online')
  expect(names.filter((n) => ['error', 'auth-failed', 'disconnected', 'offline'].includes(n))).toEqual([])
}

describe('hostile XML ends the stream with the right condition, then the account reconnects', () => {
  const cases: [string, string, string][] = [
    ['an undefined entity (&lol;)', `<message ${FROM_BOB} type='chat'><body>&lol;</body></message>`, 'restricted-xml'],
    ['a reference to character 0 (&#0;)', `<message ${FROM_BOB} type='chat'><body>a&#0;b</body></message>`, 'not-well-formed'],
    ["a from without domain (from='alice@')", "<message from='alice@' type='chat'><body>hi</body></message>", 'invalid-from'],
    ["a from with two @ (from='a@b@c')", "<message from='a@b@c' type='chat'><body>hi</body></message>", 'invalid-from'],
    ['200 nested elements', `<message ${FROM_BOB} type='chat'>${'<a>'.repeat(200)}${'</a>'.repeat(200)}</message>`, 'policy-violation'],
    ['a DOCTYPE mid-stream', '<!DOCTYPE x>', 'restricted-xml'],
    ['a comment', '<!-- c -->', 'restricted-xml'],
    ['a processing instruction', '<?pi?>', 'restricted-xml']
  ]

  it.each(cases)(
    '%s',
    async (_what, hostile, condition) => {
      const account = await online()
      const mark = need(log).length
      await account.session.write(hostile)
      await expectStreamEndedAndReconnect(account, mark, condition)
    },
    TEST_TIMEOUT
  )

  it(
    'a 2 MiB body: policy-violation after about 1 MiB, the rest is never parsed',
    async () => {
      const account = await online()
      const parser = need(core).accounts.get(account.id).client.entity.parser as unknown as StreamParser
      const before = parser.bytesParsed
      const mark = need(log).length
      const big = `<message ${FROM_BOB} type='chat'><body>${'x'.repeat(2 * MIB)}</body></message>`
      // The client may hang up while this is still being written.
      await account.session.write(big).catch(() => undefined)
      await expectStreamEndedAndReconnect(account, mark, 'policy-violation')
      expect(parser.error?.condition).toBe('policy-violation')
      // The limit is checked at least every 16 KiB of input.
      expect(parser.bytesParsed - before).toBeGreaterThan(MIB)
      expect(parser.bytesParsed - before).toBeLessThan(MIB + 64 * 1024)
    },
    TEST_TIMEOUT
  )

  it(
    'an empty <stream:error/> from the server: no crash, reconnect',
    async () => {
      const { id, session } = await online()
      const mark = need(log).length
      await session.write('<stream:error/>')
      // The client answers a stream error by closing its own stream (RFC 6120 §4.9.1.1), without an error of its own.
      await session.next((_xml, kind) => kind === 'end', '</stream:stream>')
      await session.closed()
      expect(session.received.some((r) => r.xml.startsWith('<stream:error'))).toBe(false)
      await expectReconnect(id, mark, { code: 'stream-error', condition: 'undefined-condition' })
    },
    TEST_TIMEOUT
  )

  it(
    'a <conflict/> stream error: state error (resource-conflict), and no reconnect within 3 s',
    async () => {
      const { id, session } = await online()
      const mark = need(log).length
      await session.write("<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>")
      await session.closed()
      const error = await need(log).wait(id, 'error', mark)
      expect(error.error).toMatchObject({ code: 'resource-conflict', condition: 'conflict' })
      await expect(need(server).nextPeer(3_000)).rejects.toThrow(/no client connected/)
      expect(need(log).of(id, mark).map((s) => s.state)).not.toContain('reconnecting')
      expect(need(core).accounts.get(id).connectionState().state).toBe('error')
    },
    TEST_TIMEOUT
  )
})

describe('split UTF-8', () => {
  it(
    'a character split across two TCP writes arrives intact and the stream stays up',
    async () => {
      const { id, session } = await online()
      const mark = need(log).length
      const text = '你好，世界'
      const bytes = Buffer.from(`<message ${FROM_BOB} type='chat' id='u1'><body>${text}</body></message>`, 'utf8')
      // One byte into the 3-byte '，' (U+FF0C).
      const cut = bytes.indexOf(Buffer.from('，', 'utf8')) + 1
      const message = nextCoreEvent('message', (e) => e.account === id)
      // Two TLS records, two reads on the client.
      await session.writeInParts([bytes.subarray(0, cut), bytes.subarray(cut)], 30)
      expect((await message).message).toMatchObject({ body: text, peer: 'bob@localhost', direction: 'in' })
      // The cut really reached the parser as two reads.
      expect(reads.mock.calls.some(([chunk]) => Buffer.from(chunk).equals(bytes.subarray(0, cut)))).toBe(true)

      // Still up: the client answers an IQ on the same stream, and its state never changed.
      await session.write("<iq type='get' id='alive' from='localhost'><ping xmlns='urn:xmpp:ping'/></iq>")
      const pong = await session.next((xml) => isIq('result')(xml) && attr(xml, 'id') === 'alive', 'the ping answer')
      expect(pong).toBeTruthy()
      expect(need(log).of(id, mark)).toEqual([])
      expect(session.received.some((r) => r.xml.startsWith('<stream:error') || r.kind === 'end')).toBe(false)
    },
    TEST_TIMEOUT
  )
})

describe('origin checks', () => {
  it(
    'a roster push from a foreign JID is refused with service-unavailable and changes nothing',
    async () => {
      const { id, session } = await online()
      const account = need(core).accounts.get(id)
      const before = account.roster.all()
      const items: CoreEvents['rosterItem'][] = []
      const off = need(core).events.on('rosterItem', (e) => items.push(e))
      await session.write(
        "<iq type='set' id='evil-push' from='evil@attacker.example'><query xmlns='jabber:iq:roster'>" +
          "<item jid='mallory@attacker.example' subscription='both'/></query></iq>"
      )
      const reply = await session.next((xml) => isIq()(xml) && attr(xml, 'id') === 'evil-push', 'the answer to the push')
      expect(attr(reply, 'type')).toBe('error')
      expect(reply).toContain('<service-unavailable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>')
      expect(account.roster.all()).toEqual(before)

      // A genuine push (from our own bare JID) right after is applied: the refusal was about the origin.
      const genuine = nextCoreEvent('rosterItem', (e) => e.account === id)
      await session.write(
        "<iq type='set' id='own-push' from='alice@localhost'><query xmlns='jabber:iq:roster'>" +
          "<item jid='bob@localhost' subscription='both'/></query></iq>"
      )
      await genuine
      off()
      expect(items).toEqual([{ account: id, item: expect.objectContaining({ jid: 'bob@localhost' }) }])
      expect(account.roster.all().map((i) => i.jid)).toEqual(['bob@localhost'])
    },
    TEST_TIMEOUT
  )

  it(
    'an IQ result with the right id but a foreign from does not answer the roster request',
    async () => {
      const rosterItem = (jid: string): string => `<item jid='${jid}' subscription='both'/>`
      const result = (id: string, from: string, jid: string): string =>
        `<iq type='result' id='${id}'${from ? ` from='${from}'` : ''}><query xmlns='jabber:iq:roster'>${rosterItem(jid)}</query></iq>`
      const answer: LoginOptions['answer'] = (iq) => {
        if (!iq.includes('jabber:iq:roster') || attr(iq, 'type') !== 'get') return undefined
        const id = attr(iq, 'id') ?? ''
        // Two forgeries first (a stranger, another resource of ours), then the server's own answer.
        return result(id, 'evil@x', 'mallory@evil.example') + result(id, 'alice@localhost/other', 'eve@evil.example') + result(id, '', 'bob@localhost')
      }
      server = await startFakeServer()
      core = fakeCore([server.certPem])
      log = new StateLog(core)
      const roster = nextCoreEvent('roster')
      const signIn = observed(
        core.accounts.signIn({ jid: 'alice@localhost', password: PASSWORD, server: { host: '127.0.0.1', port: server.port, tls: 'starttls' } })
      )
      await loginPeer(await server.nextPeer(), { answer })
      const id = await signIn
      const { items } = await roster
      expect(items.map((i) => i.jid)).toEqual(['bob@localhost'])
      expect(core.accounts.get(id).roster.all().map((i) => i.jid)).toEqual(['bob@localhost'])
    },
    TEST_TIMEOUT
  )
})
