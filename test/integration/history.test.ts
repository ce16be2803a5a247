import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AccountId } from '../../src/shared/model/ids'
import { createCore, type Core } from '../../src/main/core/createCore'
import { memorySecrets, memorySettings, type SecretPort, type SettingsPort } from '../../src/main/core/ports'
import { MessageStore } from '../../src/main/core/store/MessageStore'
import { makeCore, nextEvent, reachState, serverOf, targetOf, uniqueUser } from '../helpers/core'
import { startProsody, type ProsodyServer } from '../helpers/prosody'
import { target } from '../helpers/target'

/** Waits until `check` holds, polling (for conditions that are not a single event). */
async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const countBy = (xs: string[]): Record<string, number> => xs.reduce<Record<string, number>>((acc, x) => ({ ...acc, [x]: (acc[x] ?? 0) + 1 }), {})
/** Every message body of a conversation, oldest first (paging through the store). */
function bodies(core: Core, account: AccountId, peer: string): string[] {
  const out: string[] = []
  let before: { at: number; rowId: number } | undefined
  for (;;) {
    const page = core.store.page(account, peer, { before, limit: 500 })
    out.unshift(...page.map((m) => m.body))
    const first = page[0]
    if (!first || page.length < 500) return out
    before = { at: first.at, rowId: first.rowId }
  }
}

// Needs a server of its own: it is killed and restarted, with an archive that survives that (SQL).
describe.skipIf(target().external)('history that is never lost', () => {
  let server: ProsodyServer
  const dirs: string[] = []
  const cores: Core[] = []

  beforeAll(async () => {
    server = await startProsody({
      logLevel: 'warn',
      extraConfig: 'storage = { archive = "sql"; muc_log = "sql" }\nsql = { driver = "SQLite3"; database = "prosody.sqlite" }'
    })
  })
  afterAll(async () => {
    await Promise.all(cores.map((c) => c.accounts.stopAll()))
    await server.cleanup()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  /** A core with a file-backed store and ports that outlive it (to restart "Parley"). */
  function device(profile?: { dir: string; settings: SettingsPort; secrets: SecretPort }) {
    const p = profile ?? { dir: mkdtempSync(join(tmpdir(), 'parley-profile-')), settings: memorySettings(), secrets: memorySecrets() }
    if (!profile) dirs.push(p.dir)
    const core = createCore({ settings: p.settings, secrets: p.secrets, version: 'test', extraCa: [server.certPem], store: MessageStore.open(join(p.dir, 'history.sqlite')) })
    cores.push(core)
    return { core, profile: p }
  }

  async function account(core: Core, name = uniqueUser()) {
    const t = targetOf(server)
    const jid = `${name}@${t.domain}`
    server.register(name, t.domain, 'pw')
    const id = await core.accounts.signIn({ jid, password: 'pw', server: serverOf(t) })
    return { id, jid, name }
  }

  it('gives a new device the history through the archive (MAM), without duplicates', async () => {
    const a = device()
    const alice = await account(a.core)
    const b = device()
    const bob = await account(b.core)
    const got = nextEvent(b.core, 'message', (e) => e.message.body === 'third')
    for (const text of ['first', '第二条消息', 'third']) a.core.conversations.send(alice.id, bob.jid, text)
    await got
    // Bob signs in on a second machine: empty store, same account.
    const laptop = device()
    const id = await laptop.core.accounts.signIn({ jid: bob.jid, password: 'pw', server: serverOf(targetOf(server)) })
    await until(() => bodies(laptop.core, id, alice.jid).length >= 3, 10_000, 'the archive catch-up')
    expect(bodies(laptop.core, id, alice.jid)).toEqual(['first', '第二条消息', 'third'])
    const m = laptop.core.store.page(id, alice.jid, {})[0]
    expect(m?.stanzaId).toBeTruthy()
    expect(m?.source).toBe('archive')
    // The search finds a Chinese word in the middle of a sentence.
    expect(laptop.core.conversations.search({ text: '二条' }).map((h) => h.peer)).toEqual([alice.jid])
  })

  it('catches up on what arrived while the account was offline', async () => {
    const a = device()
    const alice = await account(a.core)
    const b = device()
    const bob = await account(b.core)
    await b.core.accounts.setEnabled(bob.id, false)
    for (let i = 0; i < 5; i++) a.core.conversations.send(alice.id, bob.jid, `while you were out ${i}`)
    await until(() => a.core.store.outbox(alice.id).length === 0, 10_000, 'the outbox to drain')
    await b.core.accounts.setEnabled(bob.id, true)
    await until(() => bodies(b.core, bob.id, alice.jid).length >= 5, 15_000, 'offline messages')
    await new Promise((r) => setTimeout(r, 500)) // offline delivery and archive catch-up both ran
    expect(bodies(b.core, bob.id, alice.jid)).toEqual([0, 1, 2, 3, 4].map((i) => `while you were out ${i}`))
    expect(b.core.store.conversation(bob.id, alice.jid)?.unread).toBe(5)
  })

  it('marks a message caught up from the archive displayed when it is read: once, and not again after a restart (XEP-0333)', async () => {
    const a = device()
    const alice = await account(a.core)
    const b = device()
    const bob = await account(b.core)
    // Bob lets Alice see his presence: markers go only to such contacts (XEP-0333 §7).
    const asked = nextEvent(b.core, 'subscriptionRequest', (e) => e.request.jid === alice.jid)
    await a.core.accounts.get(alice.id).presence.subscribe(bob.jid)
    await asked
    const approved = nextEvent(b.core, 'rosterItem', (e) => 'item' in e && e.item.jid === alice.jid && e.item.subscription === 'from')
    await b.core.accounts.get(bob.id).presence.approve(alice.jid)
    await approved
    const reads: string[] = []
    a.core.events.on('messageState', (e) => {
      if (e.state === 'read') reads.push(e.id)
    })
    // Bob's desktop is off; his phone is on, so the server keeps nothing offline: the desktop gets it from the archive only.
    await b.core.accounts.setEnabled(bob.id, false)
    const phone = await phoneOf(bob.jid)
    const onPhone = nextEvent(phone.core, 'message', (e) => e.message.body === 'read me when you are back')
    const first = a.core.conversations.send(alice.id, bob.jid, 'read me when you are back')
    await onPhone
    await phone.core.accounts.stopAll()
    await b.core.accounts.setEnabled(bob.id, true)
    await until(() => bodies(b.core, bob.id, alice.jid).length === 1, 15_000, 'the catch-up')
    expect(b.core.store.byId(bob.id, alice.jid, first.id)).toMatchObject({ source: 'archive', markable: true })
    expect(reads).toEqual([])
    b.core.conversations.markRead(bob.id, alice.jid)
    await until(() => a.core.store.byId(alice.id, bob.jid, first.id)?.state === 'read', 10_000, 'Alice to see it read')
    expect(reads).toEqual([first.id])
    // "Parley" starts again on Bob's profile: reading the chat again marks nothing a second time.
    await b.core.accounts.stopAll()
    b.core.store.close()
    const again = device(b.profile)
    const ready = nextEvent(again.core, 'sessionReady', (e) => e.account === bob.id, 15_000)
    await again.core.accounts.start()
    await ready
    await until(() => again.core.accounts.get(bob.id).roster.get(alice.jid)?.subscription === 'from', 5_000, 'the roster')
    await new Promise((r) => setTimeout(r, 500)) // the archive catch-up ran (it brings the same message and our marker back)
    again.core.conversations.markRead(bob.id, alice.jid)
    await new Promise((r) => setTimeout(r, 1_000))
    expect(reads).toEqual([first.id])
    // A new message is marked as before (the peer may still be told).
    const second = a.core.conversations.send(alice.id, bob.jid, 'and this one')
    await until(() => bodies(again.core, bob.id, alice.jid).length === 2, 10_000, 'the second message')
    again.core.conversations.markRead(bob.id, alice.jid)
    await until(() => reads.length === 2, 10_000, 'the second marker')
    expect(reads).toEqual([first.id, second.id])
  }, 60_000)

  it('drops archive results nobody asked for (forged MAM)', async () => {
    const a = device()
    const alice = await account(a.core)
    const b = device()
    const bob = await account(b.core)
    const forged = `<message xmlns='jabber:client' to='${alice.jid}'><result xmlns='urn:xmpp:mam:2' queryid='whatever' id='x1'><forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2001-01-01T00:00:00Z'/><message xmlns='jabber:client' from='mallory@localhost/x' to='${alice.jid}' type='chat'><body>forged history</body></message></forwarded></result></message>`
    await b.core.accounts.get(bob.id).client.entity.write(forged)
    const marker = nextEvent(a.core, 'message', (e) => e.message.body === 'real')
    b.core.conversations.send(bob.id, alice.jid, 'real')
    await marker
    await until(() => a.core.store.conversations().length > 0, 5_000, 'the message to be stored')
    expect(a.core.store.conversations().map((c) => c.peer)).toEqual([bob.jid])
  })

  it('delivers a message queued before Parley restarted, exactly once', async () => {
    const a = device()
    const alice = await account(a.core)
    const b = device()
    const bob = await account(b.core)
    await a.core.accounts.setEnabled(alice.id, false)
    const queued = a.core.conversations.send(alice.id, bob.jid, 'written offline, sent after a restart')
    expect(queued.state).toBe('queued')
    await a.core.accounts.stopAll()
    a.core.store.close()
    // "Parley" starts again on the same profile.
    const again = device(a.profile)
    const settings = await a.profile.settings.loadAccounts()
    await a.profile.settings.saveAccounts(settings.map((s) => ({ ...s, enabled: true })))
    const arrived = nextEvent(b.core, 'message', (e) => e.message.body === 'written offline, sent after a restart', 15_000)
    await again.core.accounts.start()
    await arrived
    await until(() => again.core.store.outbox(alice.id, ['queued', 'sent']).length === 0, 10_000, 'the outbox to drain')
    await new Promise((r) => setTimeout(r, 500))
    expect(bodies(b.core, bob.id, alice.jid)).toEqual(['written offline, sent after a restart'])
  })

  it('loses and duplicates nothing when the server is killed in the middle of a 1,000-message burst', async () => {
    const a = device()
    const alice = await account(a.core)
    const b = device()
    const bob = await account(b.core)
    const N = 1000
    let received = 0
    b.core.events.on('message', (e) => {
      if (e.message.peer === alice.jid) received++
    })
    const killed = new Promise<void>((resolve) => {
      const off = b.core.events.on('message', () => {
        if (received < N / 3) return
        off()
        void server.kill().then(resolve)
      })
    })
    for (let i = 0; i < N; i++) a.core.conversations.send(alice.id, bob.jid, `burst ${String(i).padStart(4, '0')}`)
    await killed
    await server.restart()
    await reachState(a.core, alice.id, 'online', 60_000)
    await reachState(b.core, bob.id, 'online', 60_000)
    await until(() => a.core.store.outbox(alice.id, ['queued', 'sent']).length === 0, 90_000, "Alice's outbox to drain").catch((err: unknown) => {
      const left = a.core.store.outbox(alice.id, ['queued', 'sent'])
      throw new Error(`${String(err)}: ${left.length} left (${left.filter((m) => m.state === 'queued').length} queued); Alice ${a.core.accounts.get(alice.id).connectionState().state}`)
    })
    await until(() => bodies(b.core, bob.id, alice.jid).length >= N, 90_000, 'Bob to have every message').catch((err: unknown) => {
      const have = new Set(bodies(b.core, bob.id, alice.jid))
      const missing = [...Array(N).keys()].map((i) => `burst ${String(i).padStart(4, '0')}`).filter((x) => !have.has(x))
      const states = a.core.store.outbox(alice.id, ['queued', 'sent']).filter((m) => missing.includes(m.body)).map((m) => m.state)
      throw new Error(`${String(err)}: ${missing.length} missing (${missing.slice(0, 5).join(', ')}…), their states at Alice: ${JSON.stringify(countBy(states))}`)
    })
    await new Promise((r) => setTimeout(r, 1_000)) // late duplicates would arrive now
    const got = bodies(b.core, bob.id, alice.jid)
    expect(got.length).toBe(N)
    expect(new Set(got).size).toBe(N)
    const sent = bodies(a.core, alice.id, bob.jid)
    expect(sent.length).toBe(N)
    expect(new Set(sent).size).toBe(N)
  }, 240_000)

  /** Bob's other device (a phone): what it sends is in Bob's archive, and reaches an offline desktop only through it. */
  async function phoneOf(jid: string) {
    const phone = device()
    const id = await phone.core.accounts.signIn({ jid, password: 'pw', server: serverOf(targetOf(server)) })
    return { core: phone.core, id }
  }

  const nextSecond = () => new Promise((r) => setTimeout(r, 1_100))

  /** A new session for the account, waiting until its archive catch-up has written a position. */
  async function newSession(core: Core, id: AccountId, archive: string): Promise<void> {
    const before = core.store.archiveState(id, archive)?.syncedAt ?? 0
    await core.accounts.setEnabled(id, false)
    await core.accounts.setEnabled(id, true)
    await reachState(core, id, 'online')
    await until(() => (core.store.archiveState(id, archive)?.syncedAt ?? 0) > before, 10_000, 'the catch-up')
  }

  /**
   * Alice and Bob's desktop share one message; then, with the desktop off, Bob's phone sends `gap`
   * to Alice, and the archive forgets the desktop's position (it will answer item-not-found).
   */
  async function gapWhileDesktopOff(gap: string[]) {
    const a = device()
    const alice = await account(a.core)
    const b = device()
    const bob = await account(b.core)
    a.core.conversations.send(alice.id, bob.jid, 'before the gap')
    await until(() => bodies(b.core, bob.id, alice.jid).length === 1, 10_000, 'the first message')
    await b.core.accounts.setEnabled(bob.id, false)
    const phone = await phoneOf(bob.jid)
    for (const text of gap) phone.core.conversations.send(phone.id, alice.jid, text)
    await until(() => bodies(a.core, alice.id, bob.jid).length === gap.length + 1, 20_000, 'Alice to get them')
    await phone.core.accounts.stopAll()
    b.core.store.setArchiveState(bob.id, bob.jid, { lastId: 'no-such-archive-id', complete: false, syncedAt: Date.now() })
    return { alice, b, bob }
  }

  it('catches up across a position the archive no longer knows, forward from the newest message stored (nothing skipped)', async () => {
    // More than a catch-up page goes out from Bob's phone while the desktop is off; the archive
    // forgets the desktop's position (expired, reset).
    const gap = [...Array(150).keys()].map((i) => `gap ${String(i).padStart(3, '0')}`)
    const { alice, b, bob } = await gapWhileDesktopOff(gap)
    await b.core.accounts.setEnabled(bob.id, true)
    await until(() => bodies(b.core, bob.id, alice.jid).length >= gap.length + 1, 20_000, 'the catch-up').catch((err: unknown) => {
      throw new Error(`${String(err)}: ${bodies(b.core, bob.id, alice.jid).length - 1} of ${gap.length} arrived`)
    })
    await new Promise((r) => setTimeout(r, 500))
    const got = bodies(b.core, bob.id, alice.jid)
    expect(got.length).toBe(gap.length + 1)
    expect([...got].sort()).toEqual(['before the gap', ...gap].sort())
    expect(b.core.store.archiveState(bob.id, bob.jid)?.lastId).not.toBe('no-such-archive-id')
  }, 60_000)

  it('catches up across a forgotten position from what was stored before the session, not from the outbox it just sent', async () => {
    const gap = [0, 1, 2].map((i) => `missed ${i}`)
    const { alice, b, bob } = await gapWhileDesktopOff(gap)
    // Written offline on a desktop whose clock is 10 minutes fast: it goes out as the session starts,
    // before the catch-up's first query comes back item-not-found.
    const later = Date.now() + 10 * 60_000
    b.core.store.insert([{ account: bob.id, peer: alice.jid, direction: 'out', from: bob.jid, id: 'written-offline', originId: 'written-offline', body: 'written offline', at: later, atIsLocal: true, receivedAt: later, state: 'queued' }])
    await b.core.accounts.setEnabled(bob.id, true)
    await until(() => bodies(b.core, bob.id, alice.jid).length >= gap.length + 2, 15_000, 'the catch-up').catch((err: unknown) => {
      throw new Error(`${String(err)}: got ${JSON.stringify(bodies(b.core, bob.id, alice.jid))}`)
    })
    await new Promise((r) => setTimeout(r, 500))
    expect(b.core.store.archiveState(bob.id, bob.jid)?.lastId).not.toBe('no-such-archive-id')
    expect(b.core.store.byId(bob.id, alice.jid, 'written-offline')?.state).not.toBe('queued')
    expect([...bodies(b.core, bob.id, alice.jid)].sort()).toEqual(['before the gap', ...gap, 'written offline'].sort())
  }, 60_000)

  it('fetches again what could not be stored during a catch-up: the position stays before it', async () => {
    const a = device()
    const alice = await account(a.core)
    const b = device()
    const bob = await account(b.core)
    a.core.conversations.send(alice.id, bob.jid, 'stored')
    await until(() => bodies(b.core, bob.id, alice.jid).length === 1, 10_000, 'the first message')
    await nextSecond() // the archive stamps whole seconds
    await newSession(b.core, bob.id, bob.jid)
    const position = b.core.store.archiveState(bob.id, bob.jid)?.lastId
    expect(position).toBeTruthy()
    await b.core.accounts.setEnabled(bob.id, false)
    const phone = await phoneOf(bob.jid)
    const missed = [0, 1, 2, 3, 4].map((i) => `missed ${i}`)
    for (const text of missed) phone.core.conversations.send(phone.id, alice.jid, text)
    await until(() => bodies(a.core, alice.id, bob.jid).length === missed.length + 1, 10_000, 'Alice to get them')
    await phone.core.accounts.stopAll()
    // The disk is full once, just when the catch-up stores what it fetched.
    const insert = b.core.store.insert.bind(b.core.store)
    let failed = 0
    b.core.store.insert = (batch) => {
      if (failed === 0 && batch.some((m) => m.body.startsWith('missed'))) {
        failed++
        throw new Error('SQLITE_FULL: database or disk is full')
      }
      return insert(batch)
    }
    const reported = nextEvent(b.core, 'storageError')
    await b.core.accounts.setEnabled(bob.id, true)
    await reported
    await new Promise((r) => setTimeout(r, 500))
    expect(failed).toBe(1)
    expect(b.core.store.archiveState(bob.id, bob.jid)?.lastId).toBe(position)
    // The next session fetches them again, from the last good position.
    await newSession(b.core, bob.id, bob.jid)
    await until(() => bodies(b.core, bob.id, alice.jid).length === missed.length + 1, 10_000, 'the second catch-up')
    expect(bodies(b.core, bob.id, alice.jid)).toEqual(['stored', ...missed])
  }, 60_000)

  it('opens a chat with what is stored at once; older archived messages follow as events', async () => {
    const a = device()
    const alice = await account(a.core)
    const b = device()
    const bob = await account(b.core)
    const c = device()
    const carol = await account(c.core)
    const old = [0, 1, 2, 3, 4].map((i) => `old ${i}`)
    for (const text of old) a.core.conversations.send(alice.id, bob.jid, text)
    await until(() => bodies(b.core, bob.id, alice.jid).length === old.length, 10_000, 'the old messages')
    // The archive stamps whole seconds: each group in a second of its own keeps the order plain.
    await nextSecond()
    for (let i = 0; i < 2; i++) c.core.conversations.send(carol.id, bob.jid, `noise ${i}`)
    await until(() => bodies(b.core, bob.id, carol.jid).length === 2, 10_000, "Carol's first messages")
    await nextSecond()
    for (let i = 2; i < 100; i++) c.core.conversations.send(carol.id, bob.jid, `noise ${i}`)
    await until(() => bodies(b.core, bob.id, carol.jid).length === 100, 20_000, "Carol's messages")
    await nextSecond()
    for (const text of ['new 0', 'new 1']) a.core.conversations.send(alice.id, bob.jid, text)
    await until(() => bodies(b.core, bob.id, alice.jid).length === old.length + 2, 10_000, 'the new messages')
    // Bob on a new machine: the catch-up's newest page holds only the last two of Alice's.
    const laptop = device()
    const id = await laptop.core.accounts.signIn({ jid: bob.jid, password: 'pw', server: serverOf(targetOf(server)) })
    await until(() => laptop.core.store.archiveState(id, bob.jid) !== null, 10_000, 'the catch-up')
    expect(bodies(laptop.core, id, alice.jid)).toEqual(['new 0', 'new 1'])
    // The archive is slow to answer.
    const mam = laptop.core.accounts.get(id).mam
    const query = mam.query.bind(mam)
    let release = (): void => undefined
    const answer = new Promise<void>((r) => (release = r))
    let asked = 0
    mam.query = async (q, onResult) => {
      asked++
      await answer
      return query(q, onResult)
    }
    const arrived: string[] = []
    laptop.core.conversations.on('messages', (list) => arrived.push(...list.filter((m) => m.peer === alice.jid).map((m) => m.body)))
    const page = await Promise.race([
      laptop.core.conversations.history({ account: id, peer: alice.jid }),
      new Promise<'waited for the archive'>((r) => setTimeout(() => r('waited for the archive'), 3_000))
    ])
    expect(page === 'waited for the archive' ? page : page.map((m) => m.body)).toEqual(['new 0', 'new 1'])
    await until(() => asked === 1, 5_000, 'the archive to be asked in the background')
    release()
    await until(() => arrived.length === old.length, 10_000, 'the older messages')
    expect(arrived).toEqual(old)
    const again = await laptop.core.conversations.history({ account: id, peer: alice.jid })
    expect(again.map((m) => m.body)).toEqual([...old, 'new 0', 'new 1'])
    expect(asked).toBe(1)
    // Scrolling up past the oldest message stored (here Carol's third) waits for what the archive has before it.
    const oldestOfCarol = laptop.core.store.page(id, carol.jid, { limit: 500 })[0]!
    expect(oldestOfCarol.body).toBe('noise 2')
    const older = await laptop.core.conversations.history({ account: id, peer: carol.jid, before: { at: oldestOfCarol.at, id: oldestOfCarol.id } })
    expect(older.map((m) => m.body)).toEqual(['noise 0', 'noise 1'])
  }, 60_000)
})

describe('search through the API', () => {
  it('finds Chinese, Japanese and English words across accounts, newest first', async () => {
    const t = target()
    const core = makeCore(t)
    try {
      const user = uniqueUser()
      const id = await core.accounts.register({ jid: `${user}@${t.domain}`, password: 'pw', server: serverOf(t) })
      const peer = `friend@${t.domain}`
      const now = Date.now()
      core.store.insert(
        ['我们明天去北京吃烤鸭', '今日は東京へ行きます', 'See you at the Café tomorrow'].map((body, i) => ({
          account: id,
          peer,
          direction: 'in' as const,
          from: `${peer}/r`,
          id: `m${i}`,
          body,
          at: now + i,
          receivedAt: now + i,
          state: 'received' as const
        }))
      )
      expect(core.conversations.search({ text: '北京' }).map((h) => h.id)).toEqual(['m0'])
      expect(core.conversations.search({ text: '東京' }).map((h) => h.id)).toEqual(['m1'])
      expect(core.conversations.search({ text: 'cafe' }).map((h) => h.id)).toEqual(['m2'])
      expect(core.conversations.search({ text: 'tomorrow', peer }).map((h) => h.name)).toEqual(['friend'])
    } finally {
      await core.accounts.stopAll()
    }
  })
})
