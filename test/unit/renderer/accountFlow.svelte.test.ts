import { beforeEach, describe, expect, test } from 'vitest'
import { AccountFlow } from '../../../src/renderer/src/state/accountFlow.svelte'
import { AccountsState } from '../../../src/renderer/src/state/accounts.svelte'
import { installFakeBridge } from './fakeBridge'

let flow: AccountFlow
beforeEach(() => {
  installFakeBridge()
  flow = new AccountFlow(new AccountsState())
})

describe('AccountFlow: the server override from "Advanced"', () => {
  test('nothing when Advanced is closed or left empty with STARTTLS', () => {
    flow.address = 'me@example.org'
    flow.host = 'ignored.example'
    expect(flow.serverOverride('example.org')).toBeUndefined()
    flow.advanced = true
    flow.host = ''
    expect(flow.serverOverride('example.org')).toBeUndefined()
  })

  test('Direct TLS alone connects to the domain on 5223; a host alone uses 5222', () => {
    flow.advanced = true
    flow.tls = 'direct'
    expect(flow.serverOverride('example.org')).toEqual({ host: 'example.org', port: 5223, tls: 'direct' })
    flow.tls = 'starttls'
    flow.host = ' xmpp.example.org '
    expect(flow.serverOverride('example.org')).toEqual({ host: 'xmpp.example.org', port: 5222, tls: 'starttls' })
    flow.port = '443'
    expect(flow.serverOverride('example.org')).toEqual({ host: 'xmpp.example.org', port: 443, tls: 'starttls' })
  })

  test('the register request joins username and server and carries the answers', () => {
    flow.setMode('register')
    flow.server = 'Example.org'
    flow.username = 'Zoë'
    flow.newPassword = 'pw'
    flow.password2 = 'pw'
    expect(flow.valid).toBe(true)
    expect(flow.request()).toEqual({ jid: 'Zoë@Example.org', password: 'pw', remember: true })
    flow.password2 = 'other'
    expect(flow.fieldErrors).toEqual({ password2: 'validation.passwordsDiffer' })
  })

  test('a resource in the sign-in address is refused', () => {
    flow.address = 'me@example.org/laptop'
    flow.password = 'x'
    expect(flow.fieldErrors.address).toBe('validation.address')
  })
})
