// First run and accounts in a real browser: creating an account, a second account, sign-in
// errors in plain words, a certificate to trust, and the Chinese UI (contacts, a chat, accounts).
import { describe, expect } from 'vitest'
import type { MessageKey } from '../../src/renderer/src/i18n/en'
import { zhCN } from '../../src/renderer/src/i18n/zh-CN'
import { target } from '../helpers/target'
import { test, uniqueName } from './fixture'
import {
  accountCard,
  accountOnServer,
  chatView,
  closedPort,
  composer,
  contactRow,
  deliveredIcon,
  dismissNotes,
  englishLeftovers,
  firstAccount,
  friends,
  gone,
  mainScreen,
  mainTab,
  message,
  messageList,
  openChatFromContacts,
  send,
  shown,
  submitNewAccount,
  submitSignIn,
  tr
} from './ui'

const t = target()

describe('first run', () => {
  test('creates an account through the UI and shows the main screen', async ({ openApp }) => {
    const app = await openApp({ name: 'alice' })
    const { page } = app
    await shown(page.getByRole('heading', { name: tr('onboarding.title') }))
    await app.screenshot('first-run.png')

    const me = await submitNewAccount(page.getByRole('main'), uniqueName('alice'))
    await mainScreen(page)
    await shown(page.getByRole('heading', { name: tr('empty.title') }))
    await shown(page.getByText(tr('notice.registered', { jid: me.jid })))
    await app.screenshot('main-empty.png')

    await mainTab(page, 'tabs.accounts').click()
    await shown(accountCard(page, me.jid).getByText(tr('connection.online'), { exact: true }))
  })
})

describe('more accounts', () => {
  test('signs in with a second account (Accounts → Add); both are online', async ({ openApp }) => {
    const second = await accountOnServer('second')
    const app = await openApp({ name: 'two-accounts' })
    const { page } = app
    const first = await firstAccount(app, 'first')

    await mainTab(page, 'tabs.accounts').click()
    await page.getByRole('button', { name: tr('accounts.add'), exact: true }).click()
    const dialog = page.getByRole('dialog', { name: tr('accounts.addTitle') })
    await submitSignIn(dialog, second)
    await gone(dialog)

    for (const jid of [first.jid, second.jid]) {
      await shown(accountCard(page, jid).getByText(tr('connection.online'), { exact: true }))
      expect(await accountCard(page, jid).getByRole('switch', { name: tr('accounts.enabled', { jid }) }).isChecked()).toBe(true)
    }
    await app.screenshot('two-accounts.png')
  })
})

describe('sign-in errors in plain words', () => {
  test('a wrong password says so, and the technical details name the condition', async ({ openApp }) => {
    const account = await accountOnServer('wrongpw')
    const app = await openApp({ name: 'wrong-password' })
    const { page } = app
    const form = page.getByRole('main')
    await submitSignIn(form, { jid: account.jid, password: `not-${account.password}` })

    const alert = form.getByRole('alert')
    await shown(alert.getByText(tr('error.not-authorized')))
    expect(await alert.innerText()).toContain(tr('onboarding.signInFailed'))
    await alert.getByText(tr('error.technicalDetails'), { exact: true }).click()
    await shown(alert.getByRole('term').filter({ hasText: tr('error.condition') }))
    expect(await alert.innerText()).toMatch(new RegExp(`${tr('error.condition')}\\s+not-authorized`))
    await page.setViewportSize({ width: 1000, height: 960 }) // the whole form, error included
    await app.screenshot('error.png')
    // Still the welcome screen, with the form as it was.
    await shown(page.getByRole('heading', { name: tr('onboarding.title') }))
    expect(await form.getByLabel(tr('onboarding.address'), { exact: true }).inputValue()).toBe(account.jid)
  })

  test('a server that does not answer is "could not be reached"', async ({ openApp }) => {
    const app = await openApp({ name: 'server-down' })
    const form = app.page.getByRole('main')
    const port = await closedPort()
    await submitSignIn(form, { jid: `${uniqueName('nobody')}@${t.domain}`, password: 'irrelevant' }, { host: '127.0.0.1', port })

    const alert = form.getByRole('alert')
    await shown(alert.getByText(tr('error.unreachable')))
    expect(await alert.innerText()).toContain(tr('onboarding.signInFailed'))
  })
})

/** The fingerprint as the dialog prints it: four lines of eight byte pairs. */
function fingerprintLines(fingerprint: string): string[] {
  const bytes = fingerprint.toUpperCase().split(':')
  return [0, 8, 16, 24].map((i) => bytes.slice(i, i + 8).join(' '))
}

describe('certificates', () => {
  // The private Prosody's self-signed certificate, which a harness without extraCa does not trust.
  test.skipIf(t.external || !t.fingerprint256)('shows the SHA-256 fingerprint of a self-signed certificate and signs in once trusted', async ({ openApp }) => {
    const account = await accountOnServer('selfsigned')
    const app = await openApp({ name: 'self-signed', trustServer: false })
    const { page } = app
    await submitSignIn(page.getByRole('main'), account)

    const dialog = page.getByRole('dialog', { name: tr('cert.title') })
    await shown(dialog)
    await shown(dialog.getByText(tr('cert.reason.selfSigned')))
    const fingerprint = t.fingerprint256 ?? ''
    const lines = fingerprintLines(fingerprint)
    // Under its heading, as text a person can read out and compare, four lines of eight byte pairs.
    await shown(dialog.getByRole('heading', { name: tr('cert.fingerprint'), exact: true }))
    const printed = dialog.getByRole('code').filter({ hasText: lines[0] })
    expect((await printed.innerText()).split('\n')).toEqual(lines)
    await app.screenshot('certificate.png')

    await dialog.getByRole('button', { name: tr('cert.trust') }).click()
    await mainScreen(page)
    await mainTab(page, 'tabs.accounts').click()
    await shown(accountCard(page, account.jid).getByText(tr('connection.online'), { exact: true }))
  })
})

describe('Chinese', () => {
  test('after switching to Chinese in Settings, the contacts, a chat and the accounts are in Chinese, with no English controls left', async ({ openApp }) => {
    const { alice, bob, a, b } = await friends(openApp)
    const { page } = alice
    const zh = (key: MessageKey, values?: Record<string, string | number>): string => tr(key, values, zhCN)
    expect(await page.locator('html').getAttribute('lang')).toBe('en')
    // The "Account … created" note was written in English; dismiss it first.
    await dismissNotes(page)
    await gone(page.getByRole('region', { name: tr('notice.region') }))

    await page.getByRole('button', { name: tr('settings.title'), exact: true }).click()
    const dialog = page.getByRole('dialog', { name: tr('settings.title') })
    await dialog.getByLabel(tr('settings.language'), { exact: true }).selectOption({ label: tr('settings.language.zh') })
    const zhDialog = page.getByRole('dialog', { name: zh('settings.title') })
    await zhDialog.getByRole('button', { name: zh('common.done'), exact: true }).click()
    await gone(zhDialog)
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('zh-CN')
    for (const key of ['tabs.chats', 'tabs.contacts', 'tabs.accounts'] as const) await shown(mainTab(page, key, zhCN))
    // Notes are worded when they arrive: one that came in English while switching goes too.
    await dismissNotes(page, zhCN)

    // Contacts: the list, Bob's row with his presence, the controls above it.
    await mainTab(page, 'tabs.contacts', zhCN).click()
    const bobRow = contactRow(page, b.user, zhCN)
    await shown(bobRow.getByText(zh('presence.available'), { exact: true }))
    await shown(page.getByRole('button', { name: zh('contacts.add.open'), exact: true }))
    await shown(page.getByRole('searchbox', { name: zh('contacts.filterLabel'), exact: true }))
    expect(await englishLeftovers(page, zhCN)).toEqual([])
    await alice.screenshot('chinese-contacts.png')

    // A chat with a message each way.
    // (In Chinese the row's "… 的操作" button also starts with his name: the whole name picks the row.)
    await bobRow.getByRole('button', { name: `${b.user} ${zh('presence.available')}`, exact: true }).click()
    await shown(chatView(page, b.user, zhCN))
    await send(page, b.user, '你好，Bob！', zhCN)
    const list = messageList(page, b.user, zhCN)
    await shown(deliveredIcon(message(list, '你好，Bob！'), zhCN))
    await openChatFromContacts(bob.page, a.user)
    await send(bob.page, a.user, '收到，Alice。')
    const reply = message(list, '收到，Alice。')
    await shown(reply)
    expect(await reply.innerText()).toContain(zh('chat.peerSaid', { name: b.user }))
    await shown(page.getByRole('button', { name: zh('chat.send'), exact: true }))
    expect(await composer(page, b.user, zhCN).getAttribute('placeholder')).toBe(zh('chat.composerPlaceholder'))
    expect(await englishLeftovers(page, zhCN)).toEqual([])
    await alice.screenshot('chinese-chat.png')

    // Accounts: the card and its controls, and the connection settings dialog (with the resource).
    await mainTab(page, 'tabs.accounts', zhCN).click()
    await shown(page.getByRole('heading', { name: zh('accounts.title') }))
    const card = accountCard(page, a.jid)
    await shown(card.getByText(zh('connection.online'), { exact: true }))
    await shown(card.getByRole('switch', { name: zh('accounts.enabled', { jid: a.jid }) }))
    for (const key of ['accounts.editOpen', 'accounts.changePassword', 'accounts.remove'] as const) await shown(card.getByRole('button', { name: zh(key), exact: true }))
    await shown(page.getByRole('button', { name: zh('accounts.add'), exact: true }))
    expect(await englishLeftovers(page, zhCN)).toEqual([])
    await alice.screenshot('chinese-accounts.png')

    await card.getByRole('button', { name: zh('accounts.editOpen'), exact: true }).click()
    const settings = page.getByRole('dialog', { name: zh('accounts.editTitle') })
    await shown(settings.getByRole('radio', { name: zh('accounts.editServerAuto'), exact: true }))
    const resource = settings.getByLabel(zh('accounts.resource'), { exact: true })
    expect(await resource.getAttribute('placeholder')).toBe(zh('accounts.resourcePlaceholder'))
    expect(await englishLeftovers(page, zhCN)).toEqual([])
    await alice.screenshot('chinese-account-settings.png')
    // The resource is used from the next connection on.
    await resource.fill('笔记本')
    await settings.getByRole('button', { name: zh('common.save'), exact: true }).click()
    await gone(settings)
    const enabled = card.getByRole('switch', { name: zh('accounts.enabled', { jid: a.jid }) })
    await enabled.click()
    await shown(card.getByText(zh('connection.disabled'), { exact: true }))
    await enabled.click()
    await shown(card.getByText(zh('connection.online'), { exact: true }))
    const state = (await alice.harness.service.api.accounts.list()).find((x) => x.jid === a.jid)?.state
    expect(state?.state === 'online' ? state.jid : state).toBe(`${a.jid}/笔记本`)
  })

  test('starts in Chinese when the system language is Chinese', async ({ openApp }) => {
    const app = await openApp({ name: 'system-chinese', systemLocales: ['zh-CN', 'en-US'] })
    const { page } = app
    await shown(page.getByRole('heading', { name: tr('onboarding.title', undefined, zhCN) }))
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN')
    await shown(page.getByRole('tab', { name: tr('onboarding.signInTab', undefined, zhCN) }))
    await shown(page.getByRole('tab', { name: tr('onboarding.registerTab', undefined, zhCN) }))
    await app.screenshot('chinese-first-run.png')
  })
})
