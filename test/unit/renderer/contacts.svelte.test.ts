import { fireEvent, screen, within } from '@testing-library/svelte'
import { flushSync } from 'svelte'
import { describe, expect, test } from 'vitest'
import App from '../../../src/renderer/src/App.svelte'
import ContactsView from '../../../src/renderer/src/features/contacts/ContactsView.svelte'
import type { ContactView } from '../../../src/shared/ipc/contract'
import { settle } from './dom'
import { A1, A2, account, contact, ok, request } from './fakeBridge'
import { renderView, setup } from './harness'
import { render } from '@testing-library/svelte'

const ROSTER: ContactView[] = [
  contact({ jid: 'alice@example.org', name: 'Alice Müller', groups: ['Friends'], show: 'available', status: 'At lunch' }),
  contact({ jid: 'bob@work.example', name: 'Bob', groups: ['Work', 'Friends'], show: 'dnd' }),
  contact({ jid: 'zhangsan@example.cn', name: '张三', show: 'away' }),
  contact({ jid: 'elodie@example.fr', name: 'Élodie', blocked: true })
]

async function show(roster: ContactView[] = ROSTER, prepare?: Parameters<typeof setup>[0]) {
  const s = await setup((b) => {
    b.api.accounts.list.mockResolvedValue(ok([account()]))
    b.api.contacts.list.mockResolvedValue(ok(roster))
    prepare?.(b)
  })
  const view = await renderView(ContactsView, s.app)
  return { ...s, view }
}

const names = (): string[] => [...document.querySelectorAll('.contact-row .name')].map((n) => n.textContent ?? '')
async function filter(text: string): Promise<void> {
  await fireEvent.input(screen.getByRole('searchbox', { name: 'Filter contacts' }), { target: { value: text } })
  await settle(1)
}

describe('Contacts view', () => {
  test('groups with collapsible headers; a contact in two groups shows in both; no group → "Contacts"', async () => {
    await show()
    const headers = screen.getAllByRole('button', { expanded: true }).map((b) => b.textContent?.replace(/\s+/g, ' ').trim())
    expect(headers).toEqual(['Friends 2', 'Work 1', 'Contacts 2'])
    expect(names()).toEqual(['Alice Müller', 'Bob', 'Bob', 'Élodie', '张三'])
    await fireEvent.click(screen.getByRole('button', { name: /Friends/ }))
    expect(screen.getByRole('button', { name: /Friends/ }).getAttribute('aria-expanded')).toBe('false')
    expect(names()).toEqual(['Bob', 'Élodie', '张三'])
  })

  test('events: a rename re-sorts, a presence change updates in place, a removal drops the row', async () => {
    const { bridge } = await show()
    bridge.emit('contacts', { upsert: [contact({ jid: 'zhangsan@example.cn', name: 'Aaron', show: 'away' })], remove: [] })
    await settle(1)
    expect(names()).toEqual(['Alice Müller', 'Bob', 'Bob', 'Aaron', 'Élodie'])
    bridge.emit('contacts', { upsert: [contact({ jid: 'elodie@example.fr', name: 'Élodie', show: 'chat', status: 'là' })], remove: [] })
    await settle(1)
    expect(names()).toEqual(['Alice Müller', 'Bob', 'Bob', 'Aaron', 'Élodie'])
    expect((screen.getByText('Élodie').closest('.contact-row') as HTMLElement).textContent).toContain('Free to chat')
    bridge.emit('contacts', { upsert: [], remove: [{ account: A1, jid: 'bob@work.example' }] })
    await settle(1)
    expect(names()).toEqual(['Alice Müller', 'Aaron', 'Élodie'])
  })

  test('rows: presence in words (not only colour), status text, blocked badge, isolated names', async () => {
    await show()
    const alice = screen.getByText('Alice Müller').closest('.contact-row') as HTMLElement
    expect(alice.textContent).toContain('Available')
    expect(alice.textContent).toContain('At lunch')
    const name = within(alice).getByText('Alice Müller')
    expect(name.getAttribute('dir')).toBe('auto')
    expect(name.tagName).toBe('BDI')
    expect((screen.getAllByText('Bob')[0]?.closest('.contact-row') as HTMLElement).textContent).toContain('Busy')
    expect((screen.getByText('Élodie').closest('.contact-row') as HTMLElement).textContent).toContain('Blocked')
  })

  test('filter as you type: case-, diacritics-insensitive, Chinese, JID and group', async () => {
    await show()
    await filter('muller')
    expect(names()).toEqual(['Alice Müller'])
    await filter('MÜLLER')
    expect(names()).toEqual(['Alice Müller'])
    await filter('elodie')
    expect(names()).toEqual(['Élodie'])
    await filter('张')
    expect(names()).toEqual(['张三'])
    await filter('example.cn')
    expect(names()).toEqual(['张三'])
    await filter('work')
    expect(names()).toEqual(['Bob', 'Bob'])
    await filter('alice lunch')
    expect(screen.getByText('No contacts match this search.')).toBeTruthy()
    await filter('')
    expect(names()).toHaveLength(5)
  })

  test('pending requests on top: approve & add back, approve, deny, block', async () => {
    const { bridge } = await show(ROSTER, (b) =>
      b.api.contacts.requests.mockResolvedValue(
        ok([
          request({ jid: 'carol@example.org', nick: 'Carol', message: 'Hi! We met at FOSDEM.' }),
          request({ jid: 'dave@example.org' }),
          request({ jid: 'eve@example.org' }),
          request({ jid: 'spam@bad.example' })
        ])
      )
    )
    const listItems = document.querySelectorAll('[role=list] [role=listitem]')
    expect(listItems[0]?.textContent).toContain('Contact requests (4)')
    const carol = screen.getByRole('group', { name: 'Carol' })
    expect(carol.textContent).toContain('Hi! We met at FOSDEM.')
    expect(carol.textContent).toContain('carol@example.org')
    await fireEvent.click(within(carol).getByRole('button', { name: 'Approve and add' }))
    expect(bridge.api.contacts.approve).toHaveBeenCalledWith(A1, 'carol@example.org', true)
    await settle(1)
    expect(screen.queryByRole('group', { name: 'Carol' })).toBeNull()

    await fireEvent.click(within(screen.getByRole('group', { name: 'dave@example.org' })).getByRole('button', { name: 'Approve' }))
    expect(bridge.api.contacts.approve).toHaveBeenLastCalledWith(A1, 'dave@example.org', false)
    await fireEvent.click(within(screen.getByRole('group', { name: 'eve@example.org' })).getByRole('button', { name: 'Deny' }))
    expect(bridge.api.contacts.deny).toHaveBeenCalledWith(A1, 'eve@example.org')
    await fireEvent.click(within(screen.getByRole('group', { name: 'spam@bad.example' })).getByRole('button', { name: 'Block' }))
    expect(bridge.api.contacts.block).toHaveBeenCalledWith(A1, 'spam@bad.example')
    await settle(1)
    expect(screen.queryByText(/Contact requests/)).toBeNull()

    bridge.emit('requests', [request({ jid: 'frank@example.org' })])
    await settle(1)
    expect(screen.getByText('Contact request')).toBeTruthy()
  })

  test('clicking a contact opens the chat', async () => {
    const { bridge, app } = await show()
    await fireEvent.click(screen.getByText('Alice Müller'))
    await settle(1)
    expect(bridge.api.chats.open).toHaveBeenCalledWith(A1, 'alice@example.org')
    expect(app.ui.tab).toBe('chats')
    expect(app.ui.selected).toEqual({ account: A1, peer: 'alice@example.org' })
  })

  test('row menu: rename, block, remove', async () => {
    const { bridge } = await show()
    await fireEvent.click(screen.getByRole('button', { name: 'Actions for Alice Müller' }))
    const menu = screen.getByRole('menu')
    expect(document.activeElement).toBe(within(menu).getAllByRole('menuitem')[0])
    await fireEvent.keyDown(menu, { key: 'ArrowDown' })
    expect(document.activeElement?.textContent).toBe('Rename…')
    await fireEvent.click(within(menu).getByRole('menuitem', { name: 'Rename…' }))
    const dialog = screen.getByRole('dialog', { name: 'Rename contact' })
    await fireEvent.input(within(dialog).getByLabelText('Name'), { target: { value: 'Alice M.' } })
    await fireEvent.submit(dialog.querySelector('form') as HTMLFormElement)
    await settle(1)
    expect(bridge.api.contacts.update).toHaveBeenCalledWith(A1, 'alice@example.org', 'Alice M.', ['Friends'])

    await fireEvent.click(screen.getByRole('button', { name: 'Actions for 张三' }))
    await fireEvent.click(screen.getByRole('menuitem', { name: 'Block' }))
    expect(bridge.api.contacts.block).toHaveBeenCalledWith(A1, 'zhangsan@example.cn')

    await fireEvent.click(screen.getByRole('button', { name: 'Actions for Élodie' }))
    expect(screen.getByRole('menuitem', { name: 'Unblock' })).toBeTruthy()
    await fireEvent.keyDown(screen.getByRole('menu'), { key: 'Escape' })
    expect(screen.queryByRole('menu')).toBeNull()

    await fireEvent.click(screen.getByRole('button', { name: 'Actions for Alice Müller' }))
    await fireEvent.click(screen.getByRole('menuitem', { name: 'Remove' }))
    await fireEvent.click(within(screen.getByRole('alertdialog', { name: 'Remove Alice Müller?' })).getByRole('button', { name: 'Remove' }))
    await settle(1)
    expect(bridge.api.contacts.remove).toHaveBeenCalledWith(A1, 'alice@example.org')
  })

  test('a contacts batch of 5,000 is applied in one update and only visible rows are rendered', async () => {
    const { bridge, app } = await show([])
    let updates = 0
    const stop = $effect.root(() => {
      $effect(() => {
        void app.contacts.all
        updates++
      })
    })
    flushSync()
    updates = 0
    const upsert = Array.from({ length: 5_000 }, (_, i) =>
      contact({ jid: `user${i}@big.example`, name: `User ${String(i).padStart(4, '0')}`, groups: [`Team ${i % 20}`], show: i % 3 ? 'offline' : 'available' })
    )
    const t0 = performance.now()
    bridge.emit('contacts', { upsert, remove: [] })
    flushSync()
    const rows = app.contacts.rows
    const elapsed = performance.now() - t0
    expect(updates).toBe(1)
    expect(app.contacts.all.size).toBe(5_000)
    expect(rows.filter((r) => r.kind === 'contact')).toHaveLength(5_000)
    expect(rows.filter((r) => r.kind === 'group')).toHaveLength(20)
    expect(elapsed).toBeLessThan(1_000)
    await settle()
    const rendered = document.querySelectorAll('.contact-row').length
    expect(rendered).toBeGreaterThan(5)
    expect(rendered).toBeLessThan(100)

    // A presence burst for all of them: one more update, the folded search text reused.
    const before = app.contacts.all.get(`${A1}\u0000user7@big.example`)?.haystack
    const moved = upsert.filter((c) => c.jid !== 'user1@big.example').map((c) => ({ ...c, show: 'away' as const }))
    bridge.emit('contacts', { upsert: moved, remove: [{ account: A1, jid: 'user1@big.example' }] })
    flushSync()
    expect(updates).toBe(2)
    expect(app.contacts.all.size).toBe(4_999)
    expect(app.contacts.all.get(`${A1}\u0000user7@big.example`)?.haystack).toBe(before)
    stop()
  })

  test('with several accounts, rows carry the account marker', async () => {
    await show([contact({ jid: 'alice@example.org', name: 'Alice' }), contact({ account: A2, jid: 'alice@example.org', name: 'Alice (work)' })], (b) =>
      b.api.accounts.list.mockResolvedValue(ok([account(), account({ id: A2, jid: 'me@work.example', color: '#00aa00' })]))
    )
    const work = screen.getByText('Alice (work)').closest('.contact-row') as HTMLElement
    expect(work.querySelector('.account-marker')).toBeTruthy()
    expect(work.textContent).toContain('on me@work.example')
  })
})

describe('Add contact dialog', () => {
  async function openDialog(accounts = [account()]) {
    const s = await setup((b) => b.api.accounts.list.mockResolvedValue(ok(accounts)))
    render(App, { props: { app: s.app } })
    await settle()
    await fireEvent.click(screen.getByRole('tab', { name: /Contacts/ }))
    await fireEvent.click(screen.getByRole('button', { name: 'Add contact' }))
    return { ...s, dialog: screen.getByRole('dialog', { name: 'Add a contact' }) }
  }

  test('validates the address with the JID parser before sending', async () => {
    const { bridge, dialog } = await openDialog()
    const jid = within(dialog).getByLabelText('Address')
    const submit = () => fireEvent.click(within(dialog).getByRole('button', { name: 'Add contact' }))
    await submit()
    expect(within(dialog).getByText('Enter the address of the contact.')).toBeTruthy()
    await fireEvent.input(jid, { target: { value: 'not valid@' } })
    await submit()
    expect(within(dialog).getByText('Enter an address like name@example.org.')).toBeTruthy()
    expect(jid.getAttribute('aria-invalid')).toBe('true')
    await fireEvent.input(jid, { target: { value: 'bob@example.org/phone' } })
    await submit()
    expect(within(dialog).getByText('Enter an address like name@example.org.')).toBeTruthy()
    await fireEvent.input(jid, { target: { value: 'ME@example.org' } })
    await submit()
    expect(within(dialog).getByText('This is your own account.')).toBeTruthy()
    expect(bridge.api.contacts.add).not.toHaveBeenCalled()

    await fireEvent.input(jid, { target: { value: ' Bob@Example.org ' } })
    await fireEvent.input(within(dialog).getByLabelText('Name'), { target: { value: 'Bob' } })
    await fireEvent.input(within(dialog).getByLabelText('Group'), { target: { value: 'Friends' } })
    await fireEvent.input(within(dialog).getByLabelText('Message'), { target: { value: 'Hi, it is me' } })
    await submit()
    await settle(1)
    expect(bridge.api.contacts.add).toHaveBeenCalledWith(A1, 'bob@example.org', 'Bob', ['Friends'], 'Hi, it is me')
    expect(screen.queryByRole('dialog')).toBeNull()
  })

  test('asks which account when there are several; Esc closes', async () => {
    const { bridge, dialog } = await openDialog([account(), account({ id: A2, jid: 'me@work.example' })])
    const select = within(dialog).getByLabelText('Add to account') as HTMLSelectElement
    await fireEvent.change(select, { target: { value: A2 } })
    await fireEvent.input(within(dialog).getByLabelText('Address'), { target: { value: '李四@example.cn' } })
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Add contact' }))
    await settle(1)
    expect(bridge.api.contacts.add).toHaveBeenCalledWith(A2, '李四@example.cn', '', [], '')

    await fireEvent.click(screen.getByRole('button', { name: 'Add contact' }))
    const again = screen.getByRole('dialog')
    await fireEvent(again, new Event('cancel', { cancelable: true }))
    expect(screen.queryByRole('dialog')).toBeNull()
  })

  test('the Blocked list unblocks', async () => {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.contacts.blocked.mockResolvedValue(ok([{ account: A1, jid: 'troll@example.net' }]))
    })
    render(App, { props: { app: s.app } })
    await settle()
    await fireEvent.click(screen.getByRole('tab', { name: /Contacts/ }))
    await fireEvent.click(screen.getByRole('button', { name: 'Blocked addresses' }))
    await settle()
    const dialog = screen.getByRole('dialog', { name: 'Blocked addresses' })
    expect(dialog.textContent).toContain('troll@example.net')
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Unblock' }))
    await settle(1)
    expect(s.bridge.api.contacts.unblock).toHaveBeenCalledWith(A1, 'troll@example.net')
    expect(within(dialog).getByText('You have not blocked anyone.')).toBeTruthy()
  })
})
