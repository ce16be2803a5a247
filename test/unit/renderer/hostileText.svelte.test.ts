// Names, addresses, status texts, request messages and previews come from other people. In the
// contact, request and conversation rows they must stay inert text: markup is not parsed, bidi
// overrides are shown as markers instead of reordering the row, and a huge line is just text.
import { screen } from '@testing-library/svelte'
import { afterEach, describe, expect, test } from 'vitest'
import ChatsView from '../../../src/renderer/src/features/chats/ChatsView.svelte'
import ContactsView from '../../../src/renderer/src/features/contacts/ContactsView.svelte'
import { A1, account, contact, conversation, ok, request } from './fakeBridge'
import { renderView, setup } from './harness'

const IMG = '<img src=x onerror="globalThis.__pwned=1">'
const SCRIPT = '<script>globalThis.__pwned=1</script>'
const RLO = 'invoice\u202Efdp.exe'
const LRO = '\u202Dabc\u202C'
const LONG = 'W'.repeat(10_000)
const CONTROLS = /[\u202A-\u202E\u2066-\u2069]/u

/** Nothing parsed as markup, no bidi control anywhere in the row's text or attributes. */
function expectInert(row: HTMLElement): void {
  expect(row.querySelector('img, script, iframe, object')).toBeNull()
  expect((globalThis as { __pwned?: unknown }).__pwned).toBeUndefined()
  expect(row.textContent ?? '').not.toMatch(CONTROLS)
  for (const el of [row, ...row.querySelectorAll('*')]) for (const attr of el.attributes) expect(attr.value, `${el.tagName} ${attr.name}`).not.toMatch(CONTROLS)
}

afterEach(() => {
  delete (globalThis as { __pwned?: unknown }).__pwned
})

describe('hostile text in rows', () => {
  test('contact rows: names and status texts with markup, bidi overrides and a 10,000-character line', async () => {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.contacts.list.mockResolvedValue(
        ok([
          contact({ jid: 'img@evil.example', name: IMG, status: SCRIPT, show: 'available' }),
          contact({ jid: 'rlo@evil.example', name: RLO, status: LRO, show: 'available' }),
          contact({ jid: 'long@evil.example', name: `Long ${LONG}`, status: LONG, show: 'available' })
        ])
      )
    })
    await renderView(ContactsView, s.app)
    const rows = [...document.querySelectorAll<HTMLElement>('.contact-row')]
    expect(rows).toHaveLength(3)
    for (const row of rows) expectInert(row)
    const text = rows.map((r) => r.textContent ?? '').join('\n')
    expect(text).toContain(IMG)
    expect(text).toContain(SCRIPT)
    expect(text).toContain('invoice⟨RLO⟩fdp.exe')
    expect(text).toContain('⟨LRO⟩abc⟨PDF⟩')
    expect(text).toContain(`Long ${LONG}`)
    expect(screen.getByRole('button', { name: 'Actions for invoice⟨RLO⟩fdp.exe' })).toBeTruthy()
    const long = rows.find((r) => r.textContent?.includes('Long W')) as HTMLElement
    expect(long.querySelector('.status-text')?.textContent).toBe(LONG)
  })

  test('request rows: nick, address and message with markup, bidi overrides and a 10,000-character line', async () => {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.contacts.requests.mockResolvedValue(
        ok([
          request({ jid: `x\u202Eevil@example.net`, nick: IMG, message: `${SCRIPT}\n${RLO}` }),
          request({ jid: 'long@example.net', nick: RLO, message: LONG })
        ])
      )
    })
    await renderView(ContactsView, s.app)
    const rows = [...document.querySelectorAll<HTMLElement>('.request')]
    expect(rows).toHaveLength(2)
    for (const row of rows) expectInert(row)
    const [first, second] = rows as [HTMLElement, HTMLElement]
    expect(first.querySelector('.name')?.textContent).toBe(IMG)
    expect(first.querySelector('.jid')?.textContent).toBe('x⟨RLO⟩evil@example.net')
    expect(first.querySelector('.message')?.textContent).toBe(`${SCRIPT}\ninvoice⟨RLO⟩fdp.exe`)
    expect(second.querySelector('.name')?.textContent).toBe('invoice⟨RLO⟩fdp.exe')
    expect(second.querySelector('.message')?.textContent).toBe(LONG)
  })

  test('conversation rows: names and last-message previews with markup, bidi overrides and a 10,000-character line', async () => {
    const last = (body: string) => ({ body, direction: 'in' as const, state: 'received' as const, at: 1 })
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.chats.list.mockResolvedValue(
        ok([
          conversation({ account: A1, peer: 'a@evil.example', name: IMG, last: last(SCRIPT), updatedAt: 5 }),
          conversation({ account: A1, peer: 'b@evil.example', name: RLO, last: last(`/me waves ${LRO}`), updatedAt: 4 }),
          conversation({ account: A1, peer: 'c@evil.example', name: `\u202E${LONG}`, last: last(LONG), updatedAt: 3 })
        ])
      )
    })
    await renderView(ChatsView, s.app)
    const rows = [...document.querySelectorAll<HTMLElement>('.conversation')]
    expect(rows).toHaveLength(3)
    for (const row of rows) expectInert(row)
    const [a, b, c] = rows as [HTMLElement, HTMLElement, HTMLElement]
    expect(a.querySelector('.name')?.textContent).toBe(IMG)
    expect(a.querySelector('.preview')?.textContent).toContain(SCRIPT)
    // "/me" shows the sender's name: neutralised there too.
    expect(b.querySelector('.preview em')?.textContent).toBe('invoice⟨RLO⟩fdp.exe waves ⟨LRO⟩abc⟨PDF⟩')
    expect(c.querySelector('.name')?.textContent).toBe(`⟨RLO⟩${LONG}`)
    expect(c.querySelector('.preview bdi')?.textContent).toBe(`${'W'.repeat(160)}…`)
  })
})
