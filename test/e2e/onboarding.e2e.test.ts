// First run and accounts in a real browser: creating an account, a second account, sign-in
// errors in plain words, a certificate to trust, and the Chinese UI.
import { describe, expect } from 'vitest'
import { zhCN } from '../../src/renderer/src/i18n/zh-CN'
import { target } from '../helpers/target'
import { test, uniqueName } from './fixture'
import {
  accountCard,
  accountOnServer,
  closedPort,
  firstAccount,
  gone,
  mainScreen,
  mainTab,
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
  test('switching the language in Settings shows the main screen in Chinese', async ({ openApp }) => {
    const app = await openApp({ name: 'chinese' })
    const { page } = app
    const me = await firstAccount(app)
    expect(await page.locator('html').getAttribute('lang')).toBe('en')
    // The "Account … created" note was written in English; dismiss it first.
    const notes = page.getByRole('region', { name: tr('notice.region') })
    await notes.getByText(tr('notice.registered', { jid: me.jid })).waitFor()
    await notes.getByRole('button', { name: tr('notice.dismiss') }).click()
    await gone(notes)

    await page.getByRole('button', { name: tr('settings.title'), exact: true }).click()
    const dialog = page.getByRole('dialog', { name: tr('settings.title') })
    await dialog.getByLabel(tr('settings.language'), { exact: true }).selectOption({ label: tr('settings.language.zh') })
    const zhDialog = page.getByRole('dialog', { name: tr('settings.title', undefined, zhCN) })
    await zhDialog.getByRole('button', { name: tr('common.done', undefined, zhCN), exact: true }).click()
    await gone(zhDialog)

    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('zh-CN')
    for (const key of ['tabs.chats', 'tabs.contacts', 'tabs.accounts'] as const) await shown(mainTab(page, key, zhCN))
    await shown(page.getByRole('heading', { name: tr('empty.title', undefined, zhCN) }))
    await shown(page.getByText(tr('empty.hint', undefined, zhCN)))
    await app.screenshot('chinese.png')
    await mainTab(page, 'tabs.accounts', zhCN).click()
    await shown(page.getByRole('heading', { name: tr('accounts.title', undefined, zhCN) }))
    await shown(page.getByText(tr('connection.online', undefined, zhCN), { exact: true }))
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
