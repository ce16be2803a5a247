// The desktop side: Settings → Desktop, muting a chat, the keyring notice, the password prompt of a
// failed sign-in, which chat main should consider on screen, and xmpp: links (never acting alone).
// Also the accessibility fixes of the e2e run.
import { fireEvent, render, screen, within } from '@testing-library/svelte'
import { describe, expect, test } from 'vitest'
import App from '../../../src/renderer/src/App.svelte'
import Fingerprint from '../../../src/renderer/src/components/Fingerprint.svelte'
import AccountsView from '../../../src/renderer/src/features/accounts/AccountsView.svelte'
import ContactsView from '../../../src/renderer/src/features/contacts/ContactsView.svelte'
import type { UriAction } from '../../../src/shared/ipc/contract'
import { settle } from './dom'
import { A1, A2, TEST_INFO, account, contact, conversation, ok, type FakeBridge } from './fakeBridge'
import { renderView, setup } from './harness'

const PEER = 'alice@example.org'

async function app(prepare?: (b: FakeBridge) => void, hash = '') {
  const s = await setup((b) => {
    b.api.accounts.list.mockResolvedValue(ok([account()]))
    b.api.chats.list.mockResolvedValue(ok([conversation({ peer: PEER, name: 'Alice' })]))
    prepare?.(b)
  }, hash)
  render(App, { props: { app: s.app } })
  await settle()
  return s
}

describe('Settings → Desktop', () => {
  test('switches for tray, start-up and notifications; dependent ones are disabled; changes go to main', async () => {
    const { bridge } = await app()
    await fireEvent.click(screen.getByRole('button', { name: 'Settings' }))
    const dialog = screen.getByRole('dialog', { name: 'Settings' })
    const section = within(dialog).getByRole('region', { name: 'Desktop' })
    const hidden = within(section).getByLabelText('Start in the tray, without opening the window') as HTMLInputElement
    expect(hidden.disabled).toBe(true)
    await fireEvent.click(within(section).getByLabelText('Start Parley when I log in'))
    await settle()
    expect(bridge.api.desktop.update).toHaveBeenCalledWith({ startAtLogin: true })
    expect(hidden.disabled).toBe(false)
    await fireEvent.click(within(section).getByLabelText('Keep Parley running in the tray when the window is closed'))
    expect(bridge.api.desktop.update).toHaveBeenLastCalledWith({ closeToTray: true })
    const text = within(section).getByLabelText('Show the message text in notifications') as HTMLInputElement
    expect(text.disabled).toBe(false)
    await fireEvent.click(within(section).getByLabelText('Show notifications for new messages'))
    await settle()
    expect(bridge.api.desktop.update).toHaveBeenLastCalledWith({ notifications: false })
    expect(text.disabled).toBe(true)
    // A change made elsewhere (the tray menu) arrives as an event.
    bridge.emit('desktop.settings', { closeToTray: true, startAtLogin: true, startHidden: false, notifications: true, notificationText: false, mutedChats: [] })
    await settle(1)
    expect((within(section).getByLabelText('Show notifications for new messages') as HTMLInputElement).checked).toBe(true)
    expect(text.checked).toBe(false)
    expect(within(dialog).getByText('Passwords are kept in the system’s keyring.')).toBeTruthy()
  })

  test('no "close to tray" on macOS (the Dock does that)', async () => {
    await app((b) => b.api.app.info.mockResolvedValue(ok({ ...TEST_INFO, platform: 'darwin' })))
    await fireEvent.click(screen.getByRole('button', { name: 'Settings' }))
    const dialog = screen.getByRole('dialog', { name: 'Settings' })
    expect(within(dialog).queryByLabelText('Keep Parley running in the tray when the window is closed')).toBeNull()
    expect(within(dialog).getByLabelText('Start Parley when I log in')).toBeTruthy()
  })
})

describe('a chat’s notifications', () => {
  test('Mute notifications in the header toggles and follows desktop.settings', async () => {
    const s = await app()
    s.app.ui.select({ account: A1, peer: PEER })
    await settle()
    const mute = screen.getByRole('button', { name: 'Mute notifications' })
    expect(mute.getAttribute('aria-pressed')).toBe('false')
    await fireEvent.click(mute)
    await settle()
    expect(s.bridge.api.desktop.muteChat).toHaveBeenCalledWith(A1, PEER, true)
    expect(mute.getAttribute('aria-pressed')).toBe('true')
    expect((screen.getByText('Alice', { selector: '.name' }).closest('button') as HTMLElement).textContent).toContain('Notifications are muted for this chat')
    s.bridge.emit('desktop.settings', { closeToTray: false, startAtLogin: false, startHidden: false, notifications: true, notificationText: true, mutedChats: [] })
    await settle(1)
    expect(mute.getAttribute('aria-pressed')).toBe('false')
  })

  test('main is told which chat the main window shows, once per change; never from a chat window', async () => {
    const s = await app()
    expect(s.bridge.api.desktop.setFocusedChat).toHaveBeenLastCalledWith(null)
    s.app.ui.select({ account: A1, peer: PEER })
    await settle()
    expect(s.bridge.api.desktop.setFocusedChat).toHaveBeenLastCalledWith({ account: A1, peer: PEER })
    const calls = s.bridge.api.desktop.setFocusedChat.mock.calls.length
    s.app.ui.select({ account: A1, peer: PEER })
    await settle()
    expect(s.bridge.api.desktop.setFocusedChat).toHaveBeenCalledTimes(calls)
    s.app.ui.select(null)
    await settle()
    expect(s.bridge.api.desktop.setFocusedChat).toHaveBeenLastCalledWith(null)

    const windowed = await app(undefined, `#/chat/${A1}/${encodeURIComponent(PEER)}`)
    expect(windowed.bridge.api.desktop.setFocusedChat).not.toHaveBeenCalled()
    expect(windowed.bridge.api.desktop.takeUri).not.toHaveBeenCalled()
  })
})

describe('passwords', () => {
  test('no keyring: the notice explains, and each button records the choice', async () => {
    const { bridge } = await app((b) => b.api.desktop.secretProtection.mockResolvedValue(ok({ level: 'weak', weakAllowed: false, storing: false })))
    const notice = screen.getByRole('region', { name: 'This system has no keyring: Parley can’t store your password securely' })
    await fireEvent.click(within(notice).getByRole('button', { name: 'Don’t store passwords (ask at sign-in)' }))
    await settle()
    expect(bridge.api.desktop.allowWeakSecrets).toHaveBeenCalledWith(false)
    expect(screen.queryByRole('region', { name: /no keyring/ })).toBeNull()
  })

  test('"Store them with weak protection" allows it; weak already allowed and the keyring show no notice', async () => {
    const { bridge } = await app((b) => b.api.desktop.secretProtection.mockResolvedValue(ok({ level: 'weak', weakAllowed: false, storing: false })))
    await fireEvent.click(screen.getByRole('button', { name: 'Store them with weak protection' }))
    await settle()
    expect(bridge.api.desktop.allowWeakSecrets).toHaveBeenCalledWith(true)
    await app((b) => b.api.desktop.secretProtection.mockResolvedValue(ok({ level: 'weak', weakAllowed: true, storing: true })))
    expect(screen.queryByRole('region', { name: /no keyring/ })).toBeNull()
  })

  test('nothing can be stored: an info notice, dismissible', async () => {
    await app((b) => b.api.desktop.secretProtection.mockResolvedValue(ok({ level: 'none', weakAllowed: false, storing: false })))
    const notice = screen.getByRole('region', { name: 'Passwords can’t be stored on this system' })
    await fireEvent.click(within(notice).getByRole('button', { name: 'Dismiss' }))
    expect(screen.queryByRole('region', { name: 'Passwords can’t be stored on this system' })).toBeNull()
  })

  test('a failed sign-in (or no stored password) asks for the password on the account card', async () => {
    const s = await setup((b) =>
      b.api.accounts.list.mockResolvedValue(ok([account({ state: { state: 'auth-failed', error: { code: 'not-authorized', detail: 'No password is stored for this account' } } })]))
    )
    await renderView(AccountsView, s.app)
    const card = screen.getByRole('listitem', { name: 'me@example.org' })
    const field = within(card).getByLabelText('Password for me@example.org') as HTMLInputElement
    const remember = within(card).getByLabelText('Remember password') as HTMLInputElement
    expect(remember.checked).toBe(true)
    const signIn = within(card).getByRole('button', { name: 'Sign in' }) as HTMLButtonElement
    expect(signIn.disabled).toBe(true)
    await fireEvent.input(field, { target: { value: 's3cret' } })
    await fireEvent.click(remember)
    await fireEvent.click(signIn)
    await settle()
    expect(s.bridge.api.accounts.setPassword).toHaveBeenCalledWith(A1, 's3cret', false)
    expect(field.value).toBe('')
  })

  test('where nothing can be stored, "Remember" is off and says why', async () => {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account({ state: { state: 'auth-failed', error: { code: 'not-authorized', detail: '' } } })]))
      b.api.desktop.secretProtection.mockResolvedValue(ok({ level: 'none', weakAllowed: false, storing: false }))
    })
    await renderView(AccountsView, s.app)
    const remember = screen.getByLabelText('Remember password') as HTMLInputElement
    expect(remember.disabled).toBe(true)
    expect(screen.getByText('This system cannot store passwords: Parley will ask again next time.')).toBeTruthy()
    await fireEvent.input(screen.getByLabelText('Password for me@example.org'), { target: { value: 'pw' } })
    await fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))
    expect(s.bridge.api.accounts.setPassword).toHaveBeenCalledWith(A1, 'pw', false)
  })
})

describe('xmpp: links', () => {
  test('the link Parley started with, one account: nothing opens until the user confirms', async () => {
    const s = await app((b) => b.api.desktop.takeUri.mockResolvedValue(ok({ kind: 'open-chat', jid: 'bob@example.net' })))
    await settle()
    expect(s.bridge.api.desktop.takeUri).toHaveBeenCalledTimes(1)
    const dialog = screen.getByRole('dialog', { name: 'Open a chat link' })
    expect(dialog.textContent).toContain('bob@example.net')
    expect((within(dialog).getByLabelText('Account') as HTMLSelectElement).value).toBe(A1)
    expect(s.bridge.api.chats.open).not.toHaveBeenCalled()
    expect(s.app.ui.selected).toBeNull()
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Open chat' }))
    await settle()
    expect(s.bridge.api.chats.open).toHaveBeenCalledWith(A1, 'bob@example.net')
    expect(s.app.ui.selected).toEqual({ account: A1, peer: 'bob@example.net' })
    expect(s.bridge.api.chats.send).not.toHaveBeenCalled()
  })

  test('compose with one account: the composer stays empty until confirmed; cancel leaves everything as it was', async () => {
    const s = await app()
    s.app.ui.select({ account: A1, peer: PEER })
    await settle()
    s.bridge.emit('desktop.uri', { kind: 'compose', jid: 'bob@example.net', body: 'Buy now' })
    await settle()
    const dialog = screen.getByRole('dialog', { name: 'Open a chat link' })
    expect(dialog.textContent).toContain('Buy now')
    expect(s.app.chats.composer(A1, 'bob@example.net').text).toBe('')
    expect(s.bridge.api.chats.open).not.toHaveBeenCalled()
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }))
    await settle()
    expect(screen.queryByRole('dialog', { name: 'Open a chat link' })).toBeNull()
    expect(s.app.ui.selected).toEqual({ account: A1, peer: PEER })
    expect(s.app.chats.composer(A1, 'bob@example.net').text).toBe('')
    expect(s.bridge.api.chats.open).not.toHaveBeenCalled()

    s.bridge.emit('desktop.uri', { kind: 'compose', jid: 'bob@example.net', body: 'Hello from a web page' })
    await settle()
    await fireEvent.click(within(screen.getByRole('dialog', { name: 'Open a chat link' })).getByRole('button', { name: 'Open chat' }))
    await settle()
    expect(s.bridge.api.chats.open).toHaveBeenCalledWith(A1, 'bob@example.net')
    expect((screen.getByRole('textbox', { name: /^Message to/ }) as HTMLTextAreaElement).value).toBe('Hello from a web page')
    expect(s.bridge.api.chats.send).not.toHaveBeenCalled()
  })

  test('with several accounts it asks which one; compose prefills the composer and sends nothing', async () => {
    const s = await app((b) => b.api.accounts.list.mockResolvedValue(ok([account(), account({ id: A2, jid: 'me@work.example' })])))
    s.bridge.emit('desktop.uri', { kind: 'compose', jid: 'bob@example.net', body: 'Hello from a web page' })
    await settle()
    const dialog = screen.getByRole('dialog', { name: 'Open a chat link' })
    expect(dialog.textContent).toContain('bob@example.net')
    expect(dialog.textContent).toContain('Hello from a web page')
    expect(s.bridge.api.chats.open).not.toHaveBeenCalled()
    await fireEvent.change(within(dialog).getByLabelText('Account'), { target: { value: A2 } })
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Open chat' }))
    await settle()
    expect(s.bridge.api.chats.open).toHaveBeenCalledWith(A2, 'bob@example.net')
    expect(s.app.ui.selected).toEqual({ account: A2, peer: 'bob@example.net' })
    expect((screen.getByRole('textbox', { name: /^Message to/ }) as HTMLTextAreaElement).value).toBe('Hello from a web page')
    expect(s.bridge.api.chats.send).not.toHaveBeenCalled()
  })

  test('add-contact opens the Add contact dialog prefilled, for the user to confirm', async () => {
    const s = await app()
    s.bridge.emit('desktop.uri', { kind: 'add-contact', jid: 'carol@example.org', name: 'Carol', group: 'Friends' })
    await settle()
    const dialog = screen.getByRole('dialog', { name: 'Add a contact' })
    expect((within(dialog).getByLabelText('Address') as HTMLInputElement).value).toBe('carol@example.org')
    expect((within(dialog).getByLabelText('Name') as HTMLInputElement).value).toBe('Carol')
    expect((within(dialog).getByLabelText('Group') as HTMLInputElement).value).toBe('Friends')
    expect(s.bridge.api.contacts.add).not.toHaveBeenCalled()
  })

  test('a refused link is explained in words, never shown raw', async () => {
    const s = await app()
    const reasons: [UriAction, string][] = [
      [{ kind: 'refused', reason: 'unsupported-action' }, 'A link to Parley was not opened: it asks for something Parley does not do from a link.'],
      [{ kind: 'refused', reason: 'malformed' }, 'A link to Parley was not opened: it is broken or contains hidden characters.']
    ]
    for (const [action, text] of reasons) {
      s.bridge.emit('desktop.uri', action)
      await settle(1)
      expect(screen.getByRole('region', { name: 'Notifications' }).textContent).toContain(text)
    }
  })
})

describe('accessibility fixes', () => {
  test('a fingerprint is a group named by its visible label (not a named <code>)', async () => {
    const s = await setup()
    await renderView(Fingerprint, s.app, { value: 'AB:CD:EF', label: 'SHA-256 fingerprint' })
    const group = screen.getByRole('group', { name: 'SHA-256 fingerprint' })
    expect(group.querySelector('code')?.hasAttribute('aria-label')).toBe(false)
    expect(group.textContent).toContain('AB CD EF')
  })

  test('the contact menu button says whether its menu is open; the account cards are a named list', async () => {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.contacts.list.mockResolvedValue(ok([contact({ name: 'Alice' })]))
    })
    await renderView(ContactsView, s.app)
    const button = screen.getByRole('button', { name: 'Actions for Alice' })
    expect(button.getAttribute('aria-expanded')).toBe('false')
    await fireEvent.click(button)
    expect(button.getAttribute('aria-expanded')).toBe('true')
    await fireEvent.keyDown(screen.getByRole('menu'), { key: 'Escape' })
    expect(button.getAttribute('aria-expanded')).toBe('false')
    await renderView(AccountsView, s.app)
    expect(screen.getByRole('list', { name: 'Your accounts' })).toBeTruthy()
  })
})
