import { describe, expect, it } from 'vitest'
import { xml } from '../../../../../../src/main/core/xml'
import { NS_VCARD_UPDATE, parsePhotoUpdate, photoUpdateElement } from '../../../../../../src/main/core/xep/0153-vcard-avatars'

const HASH = '01b87fcd030b72895ff8e88db57ec525450f000d'

describe('XEP-0153 vcard-temp:x:update', () => {
  it('tells absent, not ready, no avatar and a hash apart', () => {
    expect(parsePhotoUpdate(xml('presence'))).toEqual({ kind: 'absent' })
    expect(parsePhotoUpdate(xml('presence', {}, xml('x', { xmlns: NS_VCARD_UPDATE })))).toEqual({ kind: 'unknown' })
    expect(parsePhotoUpdate(xml('presence', {}, xml('x', { xmlns: NS_VCARD_UPDATE }, xml('photo'))))).toEqual({ kind: 'none' })
    expect(parsePhotoUpdate(xml('presence', {}, xml('x', { xmlns: NS_VCARD_UPDATE }, xml('photo', {}, ` ${HASH.toUpperCase()} `))))).toEqual({ kind: 'hash', hash: HASH })
  })

  it('treats a photo that is no SHA-1 as saying nothing', () => {
    // Prosody injects the metadata item id, a UUID after an avatar was disabled.
    expect(parsePhotoUpdate(xml('presence', {}, xml('x', { xmlns: NS_VCARD_UPDATE }, xml('photo', {}, '4a8e5a4c-1d1b-4f4e-9a52-1f3d0e2c7b11'))))).toEqual({ kind: 'unknown' })
    expect(parsePhotoUpdate(xml('presence', {}, xml('x', { xmlns: NS_VCARD_UPDATE }, xml('photo', {}, '../x'))))).toEqual({ kind: 'unknown' })
  })

  it('builds our presence element', () => {
    expect(photoUpdateElement(HASH).toString()).toBe(`<x xmlns="${NS_VCARD_UPDATE}"><photo>${HASH}</photo></x>`)
    expect(photoUpdateElement(null).toString()).toBe(`<x xmlns="${NS_VCARD_UPDATE}"><photo/></x>`)
    expect(photoUpdateElement(undefined).toString()).toBe(`<x xmlns="${NS_VCARD_UPDATE}"/>`)
  })
})
