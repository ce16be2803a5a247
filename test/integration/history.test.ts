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
