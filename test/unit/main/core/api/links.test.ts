import { describe, expect, it } from 'vitest'
import { safeExternalUrl } from '../../../../../src/main/core/api/links'

describe('safeExternalUrl', () => {
  it('opens http(s), xmpp and mailto only, without credentials', () => {
    expect(safeExternalUrl('https://example.org/a b')).toBe('https://example.org/a%20b')
    expect(safeExternalUrl('xmpp:juliet@capulet.lit?message')).toBe('xmpp:juliet@capulet.lit?message')
    expect(safeExternalUrl('file:///etc/passwd')).toBeNull()
    expect(safeExternalUrl('javascript:alert(1)')).toBeNull()
    expect(safeExternalUrl('ms-settings:')).toBeNull()
    expect(safeExternalUrl('https://user:pw@example.org/')).toBeNull()
    expect(safeExternalUrl(`https://example.org/${'a'.repeat(9000)}`)).toBeNull()
  })

  it('keeps a mail link’s address and header fields, never a file to attach', () => {
    expect(safeExternalUrl('mailto:romeo@montague.net')).toBe('mailto:romeo@montague.net')
    expect(safeExternalUrl('mailto:a@x.org?subject=hi%20there&body=see+you&cc=b@x.org')).toBe('mailto:a@x.org?subject=hi%20there&body=see%20you&cc=b%40x.org')
    expect(safeExternalUrl('mailto:attacker@x.org?subject=hi&attach=/home/u/.ssh/id_rsa')).toBe('mailto:attacker@x.org?subject=hi')
    expect(safeExternalUrl('mailto:attacker@x.org?ATTACHMENT=C:%5Cusers%5Cu%5Csecret.docx&Attach=x')).toBe('mailto:attacker@x.org')
  })
})
