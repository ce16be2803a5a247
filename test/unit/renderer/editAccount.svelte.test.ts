// "Connection settings" of an account: reachable from the card by keyboard, labelled, validated in
// plain words, and saved through accounts.update (server override or automatic, and the resource).
import { fireEvent, screen, within } from '@testing-library/svelte'
import { describe, expect, test } from 'vitest'
import AccountsView from '../../../src/renderer/src/features/accounts/AccountsView.svelte'
import type { AccountView } from '../../../src/shared/ipc/contract'
import { settle } from './dom'
import { A1, account, fail, ok, type FakeBridge } from './fakeBridge'
import { renderView, setup } from './harness'

async function show(list: AccountView[], prepare?: (b: FakeBridge) => void) {
  const s = await setup((b) => {
    b.api.accounts.list.mockResolvedValue(ok(list))
    prepare?.(b)
  })
  await renderView(AccountsView, s.app)
  return s
}

const submit = async (dialog: HTMLElement) => {
  await fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }))
  await settle()
}

describe('Connection settings', () => {
  test('opened with the keyboard; a chosen server is saved, with the default port of its encryption', async () => {
    const { bridge } = await show([account()])
    // A real button in the tab order (Enter and Space activate it), not a clickable span.
    const open = screen.getByRole('button', { name: 'Connection settings' })
    expect(open.tagName).toBe('BUTTON')
    expect(open.getAttribute('tabindex')).toBeNull()
    expect((open as HTMLButtonElement).disabled).toBe(false)
    open.focus()
    await fireEvent.click(open)
    const dialog = screen.getByRole('dialog', { name: 'Connection settings' })
    // The keyboard lands in the dialog.
    expect(dialog.contains(document.activeElement)).toBe(true)
    expect(dialog.textContent).toContain('me@example.org')
    const group = within(dialog).getByRole('group', { name: 'Server' })
    const auto = within(group).getByRole('radio', { name: 'Find the server automatically' }) as HTMLInputElement
    expect(auto.checked).toBe(true)
    expect(within(dialog).queryByLabelText('Host')).toBeNull()

    await fireEvent.click(within(group).getByRole('radio', { name: 'Use this server' }))
    await fireEvent.input(within(dialog).getByLabelText('Host'), { target: { value: 'xmpp.example.org' } })
    await fireEvent.click(within(within(dialog).getByRole('group', { name: 'Encryption' })).getByRole('radio', { name: 'Direct TLS' }))
    await submit(dialog)
    expect(bridge.api.accounts.update).toHaveBeenCalledWith(A1, { server: { host: 'xmpp.example.org', port: 5223, tls: 'direct' } })
    expect(screen.queryByRole('dialog')).toBeNull()
  })

  test('starts from the saved override, and "automatically" removes it', async () => {
    const { bridge } = await show([account({ server: { host: 'chat.example.org', port: 5280, tls: 'starttls' } })])
    await fireEvent.click(screen.getByRole('button', { name: 'Connection settings' }))
    const dialog = screen.getByRole('dialog', { name: 'Connection settings' })
    expect((within(dialog).getByRole('radio', { name: 'Use this server' }) as HTMLInputElement).checked).toBe(true)
    expect((within(dialog).getByLabelText('Host') as HTMLInputElement).value).toBe('chat.example.org')
    expect((within(dialog).getByLabelText('Port') as HTMLInputElement).value).toBe('5280')
    expect((within(dialog).getByRole('radio', { name: 'STARTTLS' }) as HTMLInputElement).checked).toBe(true)
    await fireEvent.click(within(dialog).getByRole('radio', { name: 'Find the server automatically' }))
    await submit(dialog)
    expect(bridge.api.accounts.update).toHaveBeenCalledWith(A1, { server: null })
  })

  test('mistakes in plain words next to the field (which gets the focus); nothing is sent', async () => {
    const { bridge } = await show([account()])
    await fireEvent.click(screen.getByRole('button', { name: 'Connection settings' }))
    const dialog = screen.getByRole('dialog', { name: 'Connection settings' })
    await fireEvent.click(within(dialog).getByRole('radio', { name: 'Use this server' }))
    await fireEvent.input(within(dialog).getByLabelText('Host'), { target: { value: 'not a host' } })
    await fireEvent.input(within(dialog).getByLabelText('Port'), { target: { value: '70000' } })
    await submit(dialog)
    expect(bridge.api.accounts.update).not.toHaveBeenCalled()
    const host = within(dialog).getByLabelText('Host')
    expect(host.getAttribute('aria-invalid')).toBe('true')
    expect(host.getAttribute('aria-describedby') && document.getElementById(host.getAttribute('aria-describedby') as string)?.textContent).toBe(
      'Enter a host name or an IP address.'
    )
    expect(within(dialog).getByText('Enter a port between 1 and 65535.')).toBeTruthy()
    expect(document.activeElement).toBe(host)

    await fireEvent.input(host, { target: { value: '' } })
    await submit(dialog)
    expect(within(dialog).getByText('Enter a host name or an IP address.')).toBeTruthy()
    expect(bridge.api.accounts.update).not.toHaveBeenCalled()
  })

  test('a refusal stays in the dialog, in plain words; Cancel closes without saving', async () => {
    const { bridge } = await show([account()], (b) => b.api.accounts.update.mockResolvedValue(fail({ code: 'storage-failed', detail: 'EACCES' })))
    await fireEvent.click(screen.getByRole('button', { name: 'Connection settings' }))
    const dialog = screen.getByRole('dialog', { name: 'Connection settings' })
    await fireEvent.click(within(dialog).getByRole('radio', { name: 'Use this server' }))
    await fireEvent.input(within(dialog).getByLabelText('Host'), { target: { value: '192.0.2.7' } })
    await fireEvent.input(within(dialog).getByLabelText('Port'), { target: { value: '5222' } })
    await submit(dialog)
    expect(bridge.api.accounts.update).toHaveBeenCalledWith(A1, { server: { host: '192.0.2.7', port: 5222, tls: 'starttls' } })
    const alert = within(dialog).getByRole('alert')
    expect(alert.textContent).toContain('The settings were not saved.')
    expect(screen.getByRole('dialog', { name: 'Connection settings' })).toBeTruthy()
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }))
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(bridge.api.accounts.update).toHaveBeenCalledTimes(1)
  })

  test('the resource: shown, changed (trimmed), emptied for a generated one; sent only when it changed', async () => {
    const { bridge } = await show([account({ resource: 'desk' })])
    await fireEvent.click(screen.getByRole('button', { name: 'Connection settings' }))
    let dialog = screen.getByRole('dialog', { name: 'Connection settings' })
    const field = within(dialog).getByLabelText('Resource') as HTMLInputElement
    expect(field.value).toBe('desk')
    expect(field.placeholder).toBe('Chosen automatically')
    // The hint says what an empty field means.
    expect(document.getElementById(field.getAttribute('aria-describedby') as string)?.textContent).toContain('Leave it empty for a generated one.')
    // Unchanged: only the server is sent.
    await submit(dialog)
    expect(bridge.api.accounts.update).toHaveBeenLastCalledWith(A1, { server: null })

    await fireEvent.click(screen.getByRole('button', { name: 'Connection settings' }))
    dialog = screen.getByRole('dialog', { name: 'Connection settings' })
    await fireEvent.input(within(dialog).getByLabelText('Resource'), { target: { value: '  laptop 你好 ' } })
    await submit(dialog)
    expect(bridge.api.accounts.update).toHaveBeenLastCalledWith(A1, { server: null, resource: 'laptop 你好' })

    await fireEvent.click(screen.getByRole('button', { name: 'Connection settings' }))
    dialog = screen.getByRole('dialog', { name: 'Connection settings' })
    await fireEvent.input(within(dialog).getByLabelText('Resource'), { target: { value: '   ' } })
    await submit(dialog)
    expect(bridge.api.accounts.update).toHaveBeenLastCalledWith(A1, { server: null, resource: null })
  })

  test('a resource with invisible characters is refused in plain words, next to the field; nothing is sent', async () => {
    const { bridge } = await show([account()])
    await fireEvent.click(screen.getByRole('button', { name: 'Connection settings' }))
    const dialog = screen.getByRole('dialog', { name: 'Connection settings' })
    const field = within(dialog).getByLabelText('Resource')
    expect((field as HTMLInputElement).value).toBe('')
    await fireEvent.input(field, { target: { value: 'lap\u200Btop' } })
    await submit(dialog)
    expect(bridge.api.accounts.update).not.toHaveBeenCalled()
    expect(field.getAttribute('aria-invalid')).toBe('true')
    const described = (field.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent)
    expect(described[0]).toBe('A resource cannot contain control or invisible characters, and is at most 1023 bytes long.')
    expect(document.activeElement).toBe(field)
    await fireEvent.input(field, { target: { value: '界'.repeat(342) } })
    await submit(dialog)
    expect(bridge.api.accounts.update).not.toHaveBeenCalled()
    await fireEvent.input(field, { target: { value: 'laptop' } })
    await submit(dialog)
    expect(bridge.api.accounts.update).toHaveBeenCalledWith(A1, { server: null, resource: 'laptop' })
  })
})
