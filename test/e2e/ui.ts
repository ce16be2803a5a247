// What the e2e tests do on a page, the way a person would: controls are found by role and accessible
// name, with the UI's own English strings (src/renderer/src/i18n/en.ts), so a missing label fails
// a test. Plus the few set-up steps that are not under test (an account that already exists, two
// people who already are contacts), done through the server or the harness's core.
import { createServer, type AddressInfo } from 'node:net'
import { IntlMessageFormat } from 'intl-messageformat'
import type { Locator, Page } from 'playwright-core'
import { expect } from 'vitest'
import type { AccountId } from '../../src/shared/model/ids'
import { en, type MessageKey } from '../../src/renderer/src/i18n/en'
import { makeCore, registered } from '../helpers/core'
import { target } from '../helpers/target'
import { UI_TIMEOUT, uniqueName, type App, type OpenApp } from './fixture'

export type Catalog = Record<MessageKey, string>

/** A UI string, formatted as the app formats it (ICU MessageFormat). */
export function tr(key: MessageKey, values?: Record<string, string | number>, catalog: Catalog = en): string {
  const source = catalog[key]
  if (!values) return source
  return String(new IntlMessageFormat(source, catalog === en ? 'en' : 'zh-CN', undefined, { ignoreTag: true }).format(values))
}

/** Waits until the element is visible (Playwright's auto-waiting; never a fixed sleep). */
export async function shown(locator: Locator, timeout = UI_TIMEOUT): Promise<Locator> {
  await locator.first().waitFor({ state: 'visible', timeout })
  return locator
}

/** Waits until no element matches (or none is visible). */
export async function gone(locator: Locator, timeout = UI_TIMEOUT): Promise<void> {
  await expect.poll(() => locator.count(), { timeout }).toBe(0)
}

export interface Credentials {
  user: string
  jid: string
  password: string
}

export interface Endpoint {
  host: string
  port: number
}

/** The test server as the Advanced section wants it (the STARTTLS port). */
export function testServer(): Endpoint {
  const t = target()
  return { host: t.host, port: t.port }
}

async function fillAdvanced(form: Locator, server: Endpoint): Promise<void> {
  await form.getByText(tr('onboarding.advanced'), { exact: true }).click()
  await form.getByLabel(tr('onboarding.host'), { exact: true }).fill(server.host)
  await form.getByLabel(tr('onboarding.port'), { exact: true }).fill(String(server.port))
}

/**
 * "Create account" in the welcome screen or the Add account dialog (`scope`): server, username,
 * password twice, and the Advanced host and port of the test server. Does not wait for the result.
 */
export async function submitNewAccount(scope: Locator, user = uniqueName('u'), server = testServer()): Promise<Credentials> {
  const t = target()
  const password = `pw-${uniqueName('')}`
  await scope.getByRole('tab', { name: tr('onboarding.registerTab') }).click()
  await scope.getByLabel(tr('onboarding.server'), { exact: true }).fill(t.domain)
  await scope.getByLabel(tr('onboarding.username'), { exact: true }).fill(user)
  await scope.getByLabel(tr('onboarding.password'), { exact: true }).fill(password)
  await scope.getByLabel(tr('onboarding.repeatPassword'), { exact: true }).fill(password)
  await fillAdvanced(scope, server)
  await scope.getByRole('button', { name: tr('onboarding.register'), exact: true }).click()
  return { user, jid: `${user}@${t.domain}`, password }
}

/** "Sign in" in the welcome screen or the Add account dialog. Does not wait for the result. */
export async function submitSignIn(scope: Locator, account: { jid: string; password: string }, server = testServer()): Promise<void> {
  await scope.getByRole('tab', { name: tr('onboarding.signInTab') }).click()
  await scope.getByLabel(tr('onboarding.address'), { exact: true }).fill(account.jid)
  await scope.getByLabel(tr('onboarding.password'), { exact: true }).fill(account.password)
  await fillAdvanced(scope, server)
  await scope.getByRole('button', { name: tr('onboarding.signIn'), exact: true }).click()
}

/** The section tabs of the main screen (their names may carry a badge text, so not exact). */
export function mainTab(page: Page, key: 'tabs.chats' | 'tabs.contacts' | 'tabs.accounts', catalog: Catalog = en): Locator {
  return page.getByRole('tablist', { name: tr('sidebar.tabsLabel', undefined, catalog) }).getByRole('tab', { name: tr(key, undefined, catalog) })
}

/** Waits for the main screen (after the first sign-in or account). */
export async function mainScreen(page: Page): Promise<void> {
  await shown(mainTab(page, 'tabs.chats'))
  await gone(page.getByRole('heading', { name: tr('onboarding.title') }))
}

/** Creates an account on the welcome screen and waits for the main screen. */
export async function firstAccount(app: App, prefix = app.name): Promise<Credentials> {
  const account = await submitNewAccount(app.page.getByRole('main'), uniqueName(prefix))
  await mainScreen(app.page)
  return account
}

/** An account's card in the Accounts tab (a list item named by its address). */
export function accountCard(page: Page, jid: string): Locator {
  return page.getByRole('listitem', { name: jid, exact: true })
}

/** A contact's row in the Contacts tab, found through its "Actions for …" button. */
export function contactRow(page: Page, name: string, catalog: Catalog = en): Locator {
  return page
    .getByRole('list', { name: tr('contacts.listLabel', undefined, catalog), exact: true })
    .getByRole('listitem')
    .filter({ has: page.getByRole('button', { name: tr('contacts.actionsFor', { name }, catalog), exact: true }) })
}

/** A conversation in the Chats tab (a button whose name starts with the peer's name). */
export function conversationRow(page: Page, name: string): Locator {
  return page.getByRole('list', { name: tr('chats.listLabel'), exact: true }).getByRole('button', { name: new RegExp(`^${escapeRegExp(name)}\\b`) })
}

export function chatView(page: Page, name: string, catalog: Catalog = en): Locator {
  return page.getByRole('region', { name: tr('chat.label', { name }, catalog), exact: true })
}

export function messageList(page: Page, name: string, catalog: Catalog = en): Locator {
  return page.getByRole('list', { name: tr('chat.messagesLabel', { name }, catalog), exact: true })
}

/** The message (list item) that shows exactly this text. */
export function message(list: Locator, text: string): Locator {
  return list.getByRole('listitem').filter({ has: list.page().getByText(text, { exact: true }) })
}

export function composer(page: Page, name: string, catalog: Catalog = en): Locator {
  return page.getByRole('textbox', { name: tr('chat.composerLabel', { name }, catalog), exact: true })
}

/** Contacts tab, then the contact's row: opens the conversation. */
export async function openChatFromContacts(page: Page, name: string): Promise<void> {
  await mainTab(page, 'tabs.contacts').click()
  await contactRow(page, name).getByRole('button', { name: new RegExp(`^${escapeRegExp(name)}\\b`) }).click()
  await shown(chatView(page, name))
}

/** Types a message into the open conversation and sends it with Enter. */
export async function send(page: Page, name: string, text: string, catalog: Catalog = en): Promise<void> {
  const box = composer(page, name, catalog)
  await box.fill(text)
  await box.press('Enter')
  await expect.poll(() => box.inputValue()).toBe('')
}

/** The delivery state icon of an outgoing message, by its text alternative ("Delivered", …). */
export function deliveryIcon(item: Locator, key: MessageKey): Locator {
  return item.getByRole('img', { name: tr(key), exact: true })
}

/** The icon once the peer's client has the message: "Delivered", or already "Read". */
export function deliveredIcon(item: Locator, catalog: Catalog = en): Locator {
  const names = [tr('delivery.delivered', undefined, catalog), tr('delivery.read', undefined, catalog)].map(escapeRegExp)
  return item.getByRole('img', { name: new RegExp(`^(${names.join('|')})$`) })
}

/**
 * Every text the page shows or announces: its lines (visually hidden ones too) and its aria-label,
 * title and placeholder values (the announcer's last line included: it is emptied when the language changes).
 */
export function pageStrings(page: Page): Promise<string[]> {
  type El = { getAttribute(name: string): string | null; innerText: string }
  type Doc = { body: El; querySelectorAll(selector: string): Iterable<El> }
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: Doc }).document
    const out = doc.body.innerText.split('\n')
    for (const el of doc.querySelectorAll('[aria-label], [title], [placeholder]')) {
      for (const name of ['aria-label', 'title', 'placeholder']) out.push(el.getAttribute(name) ?? '')
    }
    return out.map((s) => s.trim()).filter((s) => s !== '')
  })
}

/**
 * What the page shows as a whole line or label in English while it should be in `catalog`: the
 * strings of `en` that the catalogue words differently, those with `{name}`-like values as patterns.
 */
export async function englishLeftovers(page: Page, catalog: Catalog): Promise<string[]> {
  const patterns = (Object.keys(en) as MessageKey[])
    .filter((k) => en[k] !== catalog[k] && !/\{\w+,/.test(en[k]) && /[a-z]{3}/i.test(en[k].replace(/\{\w+\}/g, '')))
    .map((k) => new RegExp(`^${en[k].split(/\{\w+\}/).map(escapeRegExp).join('.+')}$`))
  return (await pageStrings(page)).filter((s) => patterns.some((p) => p.test(s)))
}

// ---- set-up that is not under test ----

/** An account that already exists on the server (registered by a throwaway core, then signed out). */
export async function accountOnServer(prefix = 'existing'): Promise<Credentials> {
  const t = target()
  const core = makeCore(t)
  try {
    const user = uniqueName(prefix)
    const { jid, password } = await registered(core, t, user)
    return { user, jid, password }
  } finally {
    await core.accounts.stopAll()
  }
}

/** A loopback port where nothing listens (taken from the OS, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export async function accountId(app: App, jid: string): Promise<AccountId> {
  const account = (await app.harness.service.api.accounts.list()).find((a) => a.jid === jid)
  if (!account) throw new Error(`${app.name} has no account ${jid}`)
  return account.id
}

export interface Friends {
  alice: App
  bob: App
  a: Credentials
  b: Credentials
}

/**
 * Two apps with an account each (created through the UI) whose accounts share presence both ways.
 * The contact request itself is what "adds a contact" tests through the UI; here the harnesses' cores
 * do it, and the test starts once both pages show the other as available.
 */
export async function friends(openApp: OpenApp, prepare?: (app: App) => Promise<void>): Promise<Friends> {
  const [alice, bob] = await Promise.all([openApp({ name: 'alice' }), openApp({ name: 'bob' })])
  if (prepare) await Promise.all([prepare(alice), prepare(bob)])
  const [a, b] = await Promise.all([firstAccount(alice), firstAccount(bob)])
  const [aId, bId] = await Promise.all([accountId(alice, a.jid), accountId(bob, b.jid)])
  const aApi = alice.harness.service.api
  const bApi = bob.harness.service.api
  const asks = async (api: typeof aApi, jid: string) => (await api.contacts.requests()).some((r) => r.jid === jid)
  await aApi.contacts.add(aId, b.jid, '', [], '')
  await expect.poll(() => asks(bApi, a.jid), { timeout: UI_TIMEOUT }).toBe(true)
  await bApi.contacts.approve(bId, a.jid, true)
  await expect.poll(() => asks(aApi, b.jid), { timeout: UI_TIMEOUT }).toBe(true)
  await aApi.contacts.approve(aId, b.jid, false)
  for (const [app, other] of [
    [alice, b],
    [bob, a]
  ] as const) {
    await mainTab(app.page, 'tabs.contacts').click()
    await shown(contactRow(app.page, other.user).getByText(tr('presence.available'), { exact: true }))
  }
  return { alice, bob, a, b }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Dismisses the notes in the corner (e.g. "Account … created"), so that screenshots show the screen. */
export async function dismissNotes(page: Page, catalog: Catalog = en): Promise<void> {
  const notes = page.getByRole('region', { name: tr('notice.region', undefined, catalog) })
  for (let i = 0; i < 5 && (await notes.count()) > 0; i++) {
    await notes.getByRole('button', { name: tr('notice.dismiss', undefined, catalog) }).first().click()
  }
}

/** Opens a message's actions menu (the "⋯" button next to it) and picks an item. */
export async function messageAction(item: Locator, key: MessageKey): Promise<void> {
  await item.hover()
  await item.getByRole('button', { name: tr('chat.actions'), exact: true }).click()
  await item.page().getByRole('menu', { name: tr('chat.actions') }).getByRole('menuitem', { name: tr(key), exact: true }).click()
}
