import { fireEvent, screen, within } from '@testing-library/svelte'
import { afterEach, describe, expect, test, vi } from 'vitest'
import AccountsView from '../../../src/renderer/src/features/accounts/AccountsView.svelte'
import type { AccountView } from '../../../src/shared/ipc/contract'
import type { CertificateView } from '../../../src/shared/model/errors'
import type { AccountId } from '../../../src/shared/model/ids'
import { settle } from './dom'
import { account, conversation, ok } from './fakeBridge'
import { renderView, setup } from './harness'

const CERT: CertificateView = {
  fingerprint256: 'AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99',
  subject: 'CN=chat.example.org',
  issuer: 'CN=Private CA',
  subjectAltName: 'DNS:chat.example.org',
  validFrom: Date.UTC(2025, 0, 1),
  validTo: Date.UTC(2025, 5, 1),
  reason: 'CERT_HAS_EXPIRED'
}

const id = (n: number) => `acc-${n}` as AccountId
const card = (jid: string): HTMLElement => screen.getByText(jid, { selector: '.jid' }).closest('li') as HTMLElement

async function show(list: AccountView[]) {
  const s = await setup((b) => b.api.accounts.list.mockResolvedValue(ok(list)))
  await renderView(AccountsView, s.app)
  return s
}

afterEach(() => {
  vi.useRealTimers()
})

describe('Accounts view', () => {
  test('every connection state in words, with the error in plain words and details', async () => {
    await show([
      account({ id: id(1), jid: 'a@one.org', state: { state: 'connecting', endpoint: 'one.org:5222' } }),
      account({ id: id(2), jid: 'b@two.org', state: { state: 'securing', endpoint: 'two.org:5223' } }),
      account({ id: id(3), jid: 'c@three.org', state: { state: 'authenticating', mechanism: 'SCRAM-SHA-256' } }),
      account({ id: id(4), jid: 'd@four.org', state: { state: 'online', jid: 'd@four.org/x', resumed: false, since: 0 } }),
      account({ id: id(5), jid: 'e@five.org', enabled: false, state: { state: 'disabled' } }),
      account({ id: id(6), jid: 'f@six.org', state: { state: 'auth-failed', error: { code: 'not-authorized', detail: 'SASL not-authorized' } } }),
      account({ id: id(7), jid: 'g@seven.org', state: { state: 'disconnected', reason: { code: 'connection-lost', detail: 'ECONNRESET' } } })
    ])
    expect(card('a@one.org').textContent).toContain('Connecting…')
    expect(card('a@one.org').textContent).toContain('one.org:5222')
    expect(card('b@two.org').textContent).toContain('Securing the connection…')
    expect(card('c@three.org').textContent).toContain('Signing in…')
    expect(card('d@four.org').textContent).toContain('Online')
    expect(card('e@five.org').textContent).toContain('Turned off')
    const failed = card('f@six.org')
    expect(failed.textContent).toContain('Sign-in failed')
    expect(within(failed).getByRole('alert').textContent).toContain('The address or the password is wrong.')
    // Sign-in failed: the password can be typed right there.
    expect(within(failed).getByLabelText('Password for f@six.org')).toBeTruthy()
    expect(within(failed).getByRole('button', { name: 'Sign in' })).toBeTruthy()
    expect(within(failed).getByText('Technical details').closest('details')?.textContent).toContain('SASL not-authorized')
    expect(card('g@seven.org').textContent).toContain('The connection to the server was lost.')
  })

  test('"reconnecting in N s" counts down live', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'], now: Date.UTC(2026, 0, 1, 12) })
    const at = Date.now() + 5_000
    await show([account({ state: { state: 'reconnecting', at, attempt: 2, reason: { code: 'unreachable', detail: 'ECONNREFUSED 127.0.0.1:5222' } } })])
    const status = () => card('me@example.org').querySelector('[data-state]')?.textContent ?? ''
    expect(status()).toContain('Reconnecting in 5 seconds')
    vi.advanceTimersByTime(1_000)
    await settle(1)
    expect(status()).toContain('Reconnecting in 4 seconds')
    vi.advanceTimersByTime(3_000)
    await settle(1)
    expect(status()).toContain('Reconnecting in 1 second')
    vi.advanceTimersByTime(5_000)
    await settle(1)
    expect(status()).toContain('Reconnecting in 0 seconds')
    expect(card('me@example.org').textContent).toContain('The server could not be reached.')
  })

  test('the switch enables and disables; status and status message per account', async () => {
    const { bridge } = await show([account({ presence: { show: 'available', status: '', priority: 5 } })])
    await fireEvent.click(screen.getByRole('switch', { name: 'Connect me@example.org' }))
    expect(bridge.api.accounts.setEnabled).toHaveBeenCalledWith('acc-1', false)
    await fireEvent.change(screen.getByLabelText('Status of me@example.org'), { target: { value: 'dnd' } })
    expect(bridge.api.accounts.setPresence).toHaveBeenLastCalledWith('acc-1', { show: 'dnd', status: '', priority: 5 })
    const message = screen.getByLabelText('Status message of me@example.org')
    await fireEvent.input(message, { target: { value: 'In a meeting' } })
    await fireEvent.keyDown(message, { key: 'Enter' })
    expect(bridge.api.accounts.setPresence).toHaveBeenLastCalledWith('acc-1', { show: 'available', status: 'In a meeting', priority: 5 })
  })

  test("each account's card shows its unread messages, in words for screen readers, and follows the chats", async () => {
    const { bridge, app } = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account({ id: id(1), jid: 'a@one.org' }), account({ id: id(2), jid: 'b@two.org' }), account({ id: id(3), jid: 'c@three.org' })]))
      b.api.chats.list.mockResolvedValue(
        ok([
          conversation({ account: id(1), peer: 'x@example.org', unread: 2 }),
          conversation({ account: id(1), peer: 'y@example.org', unread: 1 }),
          conversation({ account: id(2), peer: 'x@example.org', unread: 1 }),
          conversation({ account: id(3), peer: 'z@example.org', unread: 0 })
        ])
      )
    })
    await renderView(AccountsView, app)
    expect(screen.getByRole('listitem', { name: 'a@one.org 3 unread messages' })).toBe(card('a@one.org'))
    expect(screen.getByRole('listitem', { name: 'b@two.org 1 unread message' })).toBe(card('b@two.org'))
    // No unread: no badge, and the card's name is the address alone.
    expect(screen.getByRole('listitem', { name: 'c@three.org' })).toBe(card('c@three.org'))
    expect(card('c@three.org').querySelector('.badge')).toBeNull()
    expect(card('a@one.org').querySelector('.badge')?.textContent).toBe('3')
    // Reading a chat elsewhere (another window, another device) updates the card.
    bridge.emit('conversations', { upsert: [conversation({ account: id(1), peer: 'x@example.org', unread: 0 })], remove: [] })
    await settle()
    expect(card('a@one.org').querySelector('.badge')?.textContent).toBe('1')
    expect(screen.getByRole('listitem', { name: 'a@one.org 1 unread message' })).toBeTruthy()
    app.i18n.setLocale('zh-CN')
    await settle()
    expect(screen.getByRole('listitem', { name: 'a@one.org 1 条未读消息' })).toBeTruthy()
  })

  test('a state error with a certificate offers to trust it', async () => {
    const { bridge } = await show([account({ state: { state: 'error', error: { code: 'tls-untrusted', detail: 'certificate has expired', cert: CERT } } })])
    expect(card('me@example.org').textContent).toContain("The server's certificate is not trusted.")
    await fireEvent.click(screen.getByRole('button', { name: /trust the certificate/ }))
    const dialog = screen.getByRole('dialog', { name: 'Check this server’s certificate' })
    expect(dialog.textContent).toContain('It expired on')
    expect(dialog.textContent).toContain('CN=Private CA')
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Trust this certificate' }))
    await settle()
    expect(bridge.api.accounts.trustCertificate).toHaveBeenCalledWith('acc-1', CERT.fingerprint256)
    expect(screen.queryByRole('dialog')).toBeNull()
  })

  test('remove: from Parley only, or also from the server after a clear warning', async () => {
    const { bridge } = await show([account()])
    await fireEvent.click(screen.getByRole('button', { name: 'Remove' }))
    let dialog = screen.getByRole('alertdialog', { name: 'Remove me@example.org?' })
    expect(within(dialog).queryByText('This cannot be undone.')).toBeNull()
    await fireEvent.click(within(dialog).getByRole('radio', { name: /Also delete the account on the server/ }))
    expect(within(dialog).getByText('This cannot be undone.')).toBeTruthy()
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Delete account' }))
    await settle()
    expect(bridge.api.accounts.remove).toHaveBeenCalledWith('acc-1', true)

    bridge.api.accounts.list.mockResolvedValue(ok([account()]))
    bridge.emit('accounts', [account()])
    await settle()
    await fireEvent.click(screen.getByRole('button', { name: 'Remove' }))
    dialog = screen.getByRole('alertdialog')
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Remove' }))
    await settle()
    expect(bridge.api.accounts.remove).toHaveBeenLastCalledWith('acc-1', false)
  })

  test('change password checks the repetition, then calls the API', async () => {
    const { bridge } = await show([account()])
    await fireEvent.click(screen.getByRole('button', { name: 'Change password' }))
    const dialog = screen.getByRole('dialog', { name: 'Change password' })
    await fireEvent.input(within(dialog).getByLabelText('New password'), { target: { value: 'n3w' } })
    await fireEvent.input(within(dialog).getByLabelText('Repeat password'), { target: { value: 'other' } })
    await fireEvent.submit(dialog.querySelector('form') as HTMLFormElement)
    expect(within(dialog).getByText('The passwords do not match.')).toBeTruthy()
    expect(bridge.api.accounts.changePassword).not.toHaveBeenCalled()
    await fireEvent.input(within(dialog).getByLabelText('Repeat password'), { target: { value: 'n3w' } })
    await fireEvent.submit(dialog.querySelector('form') as HTMLFormElement)
    await settle()
    expect(bridge.api.accounts.changePassword).toHaveBeenCalledWith('acc-1', 'n3w')
  })

  test('accounts events replace the list', async () => {
    const { bridge } = await show([account()])
    bridge.emit('accounts', [account(), account({ id: id(2), jid: 'work@corp.example', state: { state: 'offline' } })])
    await settle(1)
    expect(card('work@corp.example').textContent).toContain('Offline')
  })
})
