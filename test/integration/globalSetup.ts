// One XMPP server per `vitest run` for the integration project (see vitest.config.ts).
// With XMPP_TEST_HOST, XMPP_TEST_PORT and XMPP_TEST_DOMAIN set (optionally XMPP_TEST_CA = a PEM file and
// XMPP_TEST_DIRECT_TLS_PORT), the tests run against that server and nothing is started.
// Otherwise a private Prosody is started on loopback and stopped in the teardown.
import { readFileSync } from 'node:fs'
import type { TestProject } from 'vitest/node'
import { startProsody } from '../helpers/prosody'
import type { XmppTestTarget } from '../helpers/target'

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = externalTarget(process.env)
  if (external) {
    project.provide('xmpp', external)
    console.log(`[xmpp] external server ${external.host}:${external.port} (domain ${external.domain})`)
    return async () => {}
  }
  const server = await startProsody()
  project.provide('xmpp', {
    host: server.host,
    port: server.c2sPort,
    directTlsPort: server.directTlsPort,
    domain: server.domain,
    domains: {
      noReg: server.domains.noReg,
      sha256: server.domains.sha256,
      plainOnly: server.domains.plainOnly,
      noBlocking: server.domains.noBlocking
    },
    caPem: server.certPem,
    fingerprint256: server.fingerprint256,
    external: false
  })
  console.log(
    `[xmpp] prosody pid ${server.pid} up in ${Math.round(server.startMs)} ms: c2s ${server.c2sPort}, ` +
      `direct TLS ${server.directTlsPort}, http ${server.httpPort} (${server.dir})`
  )
  return async () => {
    await server.cleanup()
    console.log(`[xmpp] prosody stopped in ${Math.round(server.stopMs ?? 0)} ms`)
  }
}

function externalTarget(env: NodeJS.ProcessEnv): XmppTestTarget | null {
  const { XMPP_TEST_HOST: host, XMPP_TEST_PORT: port, XMPP_TEST_DOMAIN: domain } = env
  if (!host && !port && !domain) return null
  // A half-configured external target would silently fall back to the private server: refuse instead.
  if (!host || !port || !domain) {
    throw new Error('XMPP_TEST_HOST, XMPP_TEST_PORT and XMPP_TEST_DOMAIN must be set together')
  }
  const directTls = env.XMPP_TEST_DIRECT_TLS_PORT
  return {
    host,
    port: parsePort('XMPP_TEST_PORT', port),
    directTlsPort: directTls ? parsePort('XMPP_TEST_DIRECT_TLS_PORT', directTls) : null,
    domain,
    domains: { noReg: null, sha256: null, plainOnly: null, noBlocking: null },
    caPem: env.XMPP_TEST_CA ? readFileSync(env.XMPP_TEST_CA, 'utf8') : '',
    fingerprint256: null,
    external: true
  }
}

function parsePort(name: string, value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name} is not a port: ${value}`)
  return port
}
