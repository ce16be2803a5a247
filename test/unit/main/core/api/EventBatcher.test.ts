import { afterEach, describe, expect, it, vi } from 'vitest'
import { CONTACTS_PER_EVENT, EventBatcher } from '../../../../../src/main/core/api/EventBatcher'
import type { ContactView, EventName, Events, RoomView } from '../../../../../src/shared/ipc/contract'
import type { AccountId } from '../../../../../src/shared/model/ids'

const account = 'a1' as AccountId
const contact = (i: number, name = `C ${i}`): ContactView => ({
  account,
  jid: `c${i}@example.org`,
  name,
  subscription: 'both',
  pendingOut: false,
  groups: [],
  show: 'offline',
  status: '',
  blocked: false,
  color: '#000000',
  avatar: null
})

function record() {
  const sent: { event: EventName; payload: unknown }[] = []
  const batcher = new EventBatcher((event, payload) => sent.push({ event, payload }))
  return { sent, batcher }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('EventBatcher', () => {
  it('sends a whole roster in slices, each contact once, removals with the first slice', () => {
    const { sent, batcher } = record()
    const n = CONTACTS_PER_EVENT * 2 + 500
    batcher.contactsChanged(Array.from({ length: n }, (_, i) => contact(i)), [{ account, jid: 'gone@example.org' }])
    batcher.flush()
    const events = sent.map((s) => s.payload as Events['contacts'])
    expect(sent.every((s) => s.event === 'contacts')).toBe(true)
    expect(events.map((e) => e.upsert.length)).toEqual([CONTACTS_PER_EVENT, CONTACTS_PER_EVENT, 500])
    expect(events[0]?.remove).toEqual([{ account, jid: 'gone@example.org' }])
    expect(events.slice(1).every((e) => e.remove.length === 0)).toBe(true)
    const jids = events.flatMap((e) => e.upsert.map((c) => c.jid))
    expect(new Set(jids).size).toBe(n)
  })

  it('coalesces changes to one contact within a flush window into its latest state', () => {
    vi.useFakeTimers()
    const { sent, batcher } = record()
    batcher.contactsChanged([contact(1, 'Old')], [])
    batcher.contactsChanged([contact(1, 'New')], [])
    expect(sent).toHaveLength(0)
    vi.advanceTimersByTime(20)
    expect(sent).toEqual([{ event: 'contacts', payload: { upsert: [contact(1, 'New')], remove: [] } }])
  })

  it('turns an upsert followed by a removal into the removal', () => {
    const { sent, batcher } = record()
    batcher.contactsChanged([contact(1)], [])
    batcher.contactsChanged([], [{ account, jid: 'c1@example.org' }])
    batcher.flush()
    expect(sent).toEqual([{ event: 'contacts', payload: { upsert: [], remove: [{ account, jid: 'c1@example.org' }] } }])
  })

  it('sends rooms and conversations as upserts and removals, a removal replacing an earlier upsert', () => {
    const { sent, batcher } = record()
    const view = { account, room: 'r@muc.example.org' } as RoomView
    batcher.roomsChanged([view, { ...view, room: 'kept@muc.example.org' }])
    batcher.roomsChanged([], [{ account, room: 'r@muc.example.org' }])
    batcher.conversationsChanged([], [{ account, peer: 'r@muc.example.org' }])
    batcher.flush()
    expect(sent).toEqual([
      { event: 'conversations', payload: { upsert: [], remove: [{ account, peer: 'r@muc.example.org' }] } },
      { event: 'rooms', payload: { upsert: [{ ...view, room: 'kept@muc.example.org' }], remove: [{ account, room: 'r@muc.example.org' }] } }
    ])
  })
})
