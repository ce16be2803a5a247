import { describe, expect, it } from 'vitest'
import { rosterGet, rosterRemove, rosterSet } from '../../../../../../src/main/core/im/roster/build'

describe('roster builders', () => {
  it('rosterGet without versioning has no ver attribute', () => {
    expect(rosterGet(null).toString()).toBe('<query xmlns="jabber:iq:roster"/>')
  })

  it('rosterGet with versioning sends ver, even an empty one (RFC 6121 §2.6.2)', () => {
    expect(rosterGet('').toString()).toBe('<query xmlns="jabber:iq:roster" ver=""/>')
    expect(rosterGet('ver14').toString()).toBe('<query xmlns="jabber:iq:roster" ver="ver14"/>')
  })

  it('rosterSet carries the name and each group once', () => {
    expect(rosterSet('nurse@example.com', 'Nurse', ['Servants', 'Friends', 'Servants']).toString()).toBe(
      '<query xmlns="jabber:iq:roster"><item jid="nurse@example.com" name="Nurse"><group>Servants</group><group>Friends</group></item></query>'
    )
  })

  it('rosterSet without a name or groups leaves them out', () => {
    expect(rosterSet('nurse@example.com', '', []).toString()).toBe('<query xmlns="jabber:iq:roster"><item jid="nurse@example.com"/></query>')
  })

  it('rosterSet never sends an empty <group/> (RFC 6121 §2.3.3: the server answers not-acceptable)', () => {
    expect(rosterSet('nurse@example.com', 'Nurse', ['', '  ', ' Friends ', 'Friends']).toString()).toBe(
      '<query xmlns="jabber:iq:roster"><item jid="nurse@example.com" name="Nurse"><group>Friends</group></item></query>'
    )
  })

  it('rosterSet escapes markup in names and groups', () => {
    expect(rosterSet('a@example.com', 'A & "B" <c>', ['<x>']).toString()).toBe(
      '<query xmlns="jabber:iq:roster"><item jid="a@example.com" name="A &amp; &quot;B&quot; &lt;c&gt;"><group>&lt;x&gt;</group></item></query>'
    )
  })

  it('rosterRemove is an item with subscription="remove"', () => {
    expect(rosterRemove('nurse@example.com').toString()).toBe('<query xmlns="jabber:iq:roster"><item jid="nurse@example.com" subscription="remove"/></query>')
  })
})
