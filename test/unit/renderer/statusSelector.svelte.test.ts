import { fireEvent, screen } from '@testing-library/svelte'
import { describe, expect, test } from 'vitest'
import Toasts from '../../../src/renderer/src/components/Toasts.svelte'
import StatusSelector from '../../../src/renderer/src/features/shell/StatusSelector.svelte'
import { settle } from './dom'
import { A1, A2, account, fail, ok } from './fakeBridge'
import { renderView, setup } from './harness'

const ANN = account({ id: A1, jid: 'ann@example.org', presence: { show: 'available', status: 'At lunch', priority: 5 } })
const BOB = account({ id: A2, jid: 'bob@example.net', presence: { show: 'available', status: '在开会', priority: 0 } })
const OFF = account({ id: 'acc-3' as typeof A1, jid: 'off@example.com', enabled: false, presence: { show: 'offline', status: 'gone', priority: 0 } })

async function show(prepare?: Parameters<typeof setup>[0]) {
  const s = await setup((b) => {
    b.api.accounts.list.mockResolvedValue(ok([ANN, BOB, OFF]))
    prepare?.(b)
  })
  await renderView(StatusSelector, s.app)
  await renderView(Toasts, s.app)
  return s
}

describe('Status for all accounts', () => {
  test('changes the status of every enabled account and keeps each its own status message', async () => {
    const { bridge } = await show()
    await fireEvent.change(screen.getByLabelText('Status for all accounts'), { target: { value: 'away' } })
    await settle()
    expect(bridge.api.accounts.setPresence).toHaveBeenCalledTimes(2)
    expect(bridge.api.accounts.setPresence).toHaveBeenCalledWith(A1, { show: 'away', status: 'At lunch', priority: 5 })
    expect(bridge.api.accounts.setPresence).toHaveBeenCalledWith(A2, { show: 'away', status: '在开会', priority: 0 })
    expect(bridge.api.accounts.setPresence).not.toHaveBeenCalledWith(null, expect.anything())
    expect(screen.queryByRole('region', { name: 'Notifications' })).toBeNull()
  })

  test('an account that fails is named in a note, in plain words; the others still change', async () => {
    const { bridge, app } = await show((b) =>
      b.api.accounts.setPresence.mockImplementation(async (id) => (id === A2 ? fail({ code: 'not-connected', detail: 'stream closed' }) : ok(undefined)))
    )
    const select = screen.getByLabelText('Status for all accounts') as HTMLSelectElement
    await fireEvent.change(select, { target: { value: 'dnd' } })
    await settle()
    expect(bridge.api.accounts.setPresence).toHaveBeenCalledWith(A1, { show: 'dnd', status: 'At lunch', priority: 5 })
    expect(app.ui.toasts.map((t) => t.text)).toEqual(['Could not change the status of bob@example.net. This account is offline right now.'])
    expect(screen.getByRole('region', { name: 'Notifications' }).textContent).toContain('Could not change the status of bob@example.net. This account is offline right now.')
    expect(app.ui.announcement.text).toContain('bob@example.net')
    // The list does not pretend every account took the new status.
    expect(select.value).toBe('available')
    // When main reports the accounts now differ, the list says "Mixed".
    bridge.emit('accounts', [{ ...ANN, presence: { ...ANN.presence, show: 'dnd' } }, BOB, OFF])
    await settle(1)
    expect(select.value).toBe('')
    expect(select.selectedOptions[0]?.textContent).toBe('Mixed')
  })
})
