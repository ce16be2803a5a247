// Two people, two apps (two harnesses, two pages): contact requests, messages both ways with
// delivery states, presence, blocking, and message text that tries to be markup.
import { describe, expect } from 'vitest'
import { computedStyle, test } from './fixture'
import {
  chatView,
  composer,
  contactRow,
  conversationRow,
  deliveredIcon,
  deliveryIcon,
  firstAccount,
  friends,
  gone,
  mainTab,
  message,
  messageList,
  openChatFromContacts,
  send,
  shown,
  tr
} from './ui'

describe('contacts', () => {
  test('Alice adds Bob with a message, Bob approves and adds her back; both see each other available', async ({ openApp }) => {
    const [alice, bob] = await Promise.all([openApp({ name: 'alice' }), openApp({ name: 'bob' })])
    const [a, b] = await Promise.all([firstAccount(alice), firstAccount(bob)])
    const hello = `Hi ${b.user}, it is ${a.user}. 你好！`

    await mainTab(alice.page, 'tabs.contacts').click()
    await alice.page.getByRole('button', { name: tr('contacts.add.open'), exact: true }).click()
    const dialog = alice.page.getByRole('dialog', { name: tr('contacts.add.title') })
    await dialog.getByLabel(tr('contacts.add.jid'), { exact: true }).fill(b.jid)
    await dialog.getByLabel(tr('contacts.add.message'), { exact: true }).fill(hello)
    await dialog.getByRole('button', { name: tr('contacts.add.submit'), exact: true }).click()
    await gone(dialog)
    await shown(contactRow(alice.page, b.user).getByText(tr('contacts.pending'), { exact: true }))

    // Bob: the Contacts tab announces the request; it shows who asks and their message.
    await shown(mainTab(bob.page, 'tabs.contacts').and(bob.page.getByRole('tab', { name: tr('requests.count', { count: 1 }) })))
    await mainTab(bob.page, 'tabs.contacts').click()
    const request = bob.page.getByRole('group').filter({ hasText: a.jid })
    await shown(request.getByText(hello, { exact: true }))
    await request.getByRole('button', { name: tr('requests.approveAddBack'), exact: true }).click()
    await gone(request)

    // Alice is told, and answers Bob's request (he added her back).
    await shown(alice.page.getByText(tr('notice.subscribed', { name: b.user })))
    const back = alice.page.getByRole('group').filter({ hasText: b.jid })
    await back.getByRole('button', { name: tr('requests.approve'), exact: true }).click()
    await gone(back)

    await shown(contactRow(alice.page, b.user).getByText(tr('presence.available'), { exact: true }))
    await shown(contactRow(bob.page, a.user).getByText(tr('presence.available'), { exact: true }))
    await alice.screenshot('contacts.png')
    await bob.screenshot('contacts-bob.png')
  })
})

describe('messages', () => {
  test('messages both ways: unread badge, delivered state, Shift+Enter for a new line', async ({ openApp }) => {
    const { alice, bob, a, b } = await friends(openApp)
    await mainTab(bob.page, 'tabs.chats').click()

    await openChatFromContacts(alice.page, b.user)
    await send(alice.page, b.user, '你好，Bob')

    // Bob: the conversation list shows the text and one unread message; opening it reads it.
    const row = conversationRow(bob.page, a.user)
    await shown(row.getByText('你好，Bob', { exact: true }))
    await shown(bob.page.getByRole('button', { name: new RegExp(`^${a.user}\\b.*${tr('chats.unread', { count: 1 })}`) }))
    await shown(bob.page.getByRole('tab', { name: tr('chats.unread', { count: 1 }) }))
    await row.click()
    const bobsList = messageList(bob.page, a.user)
    const received = message(bobsList, '你好，Bob')
    await shown(received)
    expect(await received.innerText()).toContain(tr('chat.peerSaid', { name: a.user }))
    await gone(bob.page.getByRole('button', { name: new RegExp(tr('chats.unread', { count: 1 })) }))

    await send(bob.page, a.user, 'Hi Alice! 👋')
    const alicesList = messageList(alice.page, b.user)
    await shown(message(alicesList, 'Hi Alice! 👋'))

    // Bob's client confirmed Alice's message (XEP-0184; "Read" once his open chat shows it): the icon says so.
    await shown(deliveredIcon(message(alicesList, '你好，Bob')))
    await shown(deliveredIcon(message(bobsList, 'Hi Alice! 👋')))

    // Shift+Enter is a new line; only Enter sends.
    const box = composer(alice.page, b.user)
    await box.focus()
    await alice.page.keyboard.type('line one')
    await alice.page.keyboard.press('Shift+Enter')
    await alice.page.keyboard.type('line two')
    expect(await box.inputValue()).toBe('line one\nline two')
    await alice.page.keyboard.press('Enter')
    await expect.poll(() => box.inputValue()).toBe('')
    const twoLines = bobsList.getByRole('listitem').filter({ hasText: 'line one' })
    await shown(twoLines)
    expect(await twoLines.getByTestId('message-body').innerText()).toBe('line one\nline two')
    expect(await bobsList.getByRole('listitem').count()).toBe(3)
    await shown(deliveredIcon(alicesList.getByRole('listitem').filter({ hasText: 'line two' })))

    await alice.screenshot('chat.png')
    await bob.screenshot('chat-bob.png')
  })
})

describe('presence', () => {
  test('Bob goes Away with a status message; Alice sees both on his row', async ({ openApp }) => {
    const { alice, bob, b } = await friends(openApp)
    const status = 'In a meeting until 3 · 开会中'

    await mainTab(bob.page, 'tabs.accounts').click()
    await bob.page.getByRole('combobox', { name: tr('accounts.status', { jid: b.jid }), exact: true }).selectOption({ label: tr('presence.away') })
    // The footer's "status for all accounts" follows once the core has applied it.
    await expect.poll(() => bob.page.getByRole('combobox', { name: tr('status.allLabel'), exact: true }).inputValue()).toBe('away')
    const statusBox = bob.page.getByRole('textbox', { name: tr('accounts.statusMessage', { jid: b.jid }), exact: true })
    await statusBox.fill(status)
    await statusBox.press('Enter')

    const row = contactRow(alice.page, b.user)
    await shown(row.getByText(tr('presence.away'), { exact: true }))
    await shown(row.getByText(status, { exact: true }))
    await alice.screenshot('presence.png')
  })
})

describe('blocking', () => {
  test('while Alice blocks Bob his messages fail and never reach her; unblocking restores delivery', async ({ openApp }) => {
    const { alice, bob, a, b } = await friends(openApp)

    const actions = alice.page.getByRole('button', { name: tr('contacts.actionsFor', { name: b.user }), exact: true })
    await actions.click()
    await alice.page.getByRole('menu', { name: tr('contacts.actionsFor', { name: b.user }) }).getByRole('menuitem', { name: tr('contacts.block'), exact: true }).click()
    await shown(contactRow(alice.page, b.user).getByText(tr('contacts.blockedBadge'), { exact: true }))

    await openChatFromContacts(bob.page, a.user)
    await send(bob.page, a.user, 'Are you there?')
    const bobsList = messageList(bob.page, a.user)
    const refused = message(bobsList, 'Are you there?')
    await shown(deliveryIcon(refused, 'delivery.failed'))
    await shown(refused.getByRole('note').filter({ hasText: tr('delivery.failed') }))
    await bob.screenshot('blocked-bob.png')

    // Alice never got it: she has no conversation at all.
    await mainTab(alice.page, 'tabs.chats').click()
    await shown(alice.page.getByText(tr('chats.none'), { exact: true }))

    await mainTab(alice.page, 'tabs.contacts').click()
    await actions.click()
    await alice.page.getByRole('menuitem', { name: tr('contacts.unblock'), exact: true }).click()
    await gone(contactRow(alice.page, b.user).getByText(tr('contacts.blockedBadge'), { exact: true }))

    await send(bob.page, a.user, 'And now?')
    await shown(deliveredIcon(message(bobsList, 'And now?')))
    await mainTab(alice.page, 'tabs.chats').click()
    await conversationRow(alice.page, b.user).click()
    const alicesList = messageList(alice.page, b.user)
    await shown(message(alicesList, 'And now?'))
    expect(await alicesList.getByText('Are you there?').count()).toBe(0)
  })
})

describe('hostile message text', () => {
  const HOSTILE = [
    '<img src=x onerror=alert(1)>',
    '<script>alert(2)</script>',
    '<svg onload=alert(3)><iframe src="javascript:alert(4)"></iframe>',
    'javascript:alert(5) and <a href="javascript:alert(6)">click me</a>',
    // RIGHT-TO-LEFT OVERRIDE: "invoice_\u202Efdp.exe" would render as "invoice_exe.pdf"
    'invoice_\u202Efdp.exe\u202C, see https://example.org/\u202Egnp.exe'
  ]

  test('Alice sees markup, scripts and bidi overrides as text; only the https link is a link and opens outside', async ({ openApp }) => {
    const { alice, bob, a, b } = await friends(openApp)
    await openChatFromContacts(bob.page, a.user)
    for (const text of HOSTILE) await send(bob.page, a.user, text)
    await send(bob.page, a.user, 'Details: https://example.org')

    await mainTab(alice.page, 'tabs.chats').click()
    await conversationRow(alice.page, b.user).click()
    const list = messageList(alice.page, b.user)
    await shown(message(list, 'Details: https://example.org'))
    await expect.poll(() => list.getByRole('listitem').count()).toBe(HOSTILE.length + 1)

    // Each shows exactly the text that was sent, except that bidi controls are visible markers (⟨RLO⟩)
    // instead of reordering it: "invoice_\u202Efdp.exe" cannot pose as "invoice_exe.pdf".
    const visible = (s: string): string => s.replaceAll('\u202E', '⟨RLO⟩').replaceAll('\u202C', '⟨PDF⟩')
    expect(await list.getByTestId('message-body').allTextContents()).toEqual([...HOSTILE.map(visible), 'Details: https://example.org'])
    await shown(list.getByText('⟨RLO⟩').first())
    // Nothing the messages spelled became an element, on either side.
    for (const page of [alice.page, bob.page]) {
      expect(await page.locator('[data-testid="message-body"] :is(img, script, svg, iframe, object, embed, a[href^="javascript:" i])').count()).toBe(0)
      expect(await page.locator('img[src="x"], iframe, script:not([src])').count()).toBe(0)
    }
    // The override is isolated: it cannot reorder anything outside its own message.
    const bidi = list.getByTestId('message-body').filter({ hasText: 'invoice_' })
    expect(await bidi.getAttribute('dir')).toBe('auto')
    expect(await computedStyle(bidi, 'unicode-bidi')).toBe('isolate')

    // Links: only http(s); a link stops at the override character.
    const links = list.getByRole('link')
    expect(await Promise.all((await links.all()).map((l) => l.getAttribute('href')))).toEqual(['https://example.org/', 'https://example.org/'])
    const link = message(list, 'Details: https://example.org').getByRole('link', { name: 'https://example.org', exact: true })
    const before = alice.page.url()
    await link.click()
    await expect.poll(() => alice.harness.opened).toEqual(['https://example.org/'])
    expect(alice.page.url()).toBe(before)
    await shown(chatView(alice.page, b.user))
    await alice.screenshot('hostile.png')
  })
})
